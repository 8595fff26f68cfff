"""DG2 (tag 75): the face, as ISO/IEC 19794-5 facial records inside the biometric templates of ISO/IEC 7816-11.

    75 → 7F61 (group: 02 count) → 7F60 (instance: A1 header, 5F2E or 7F2E data block) → "FAC\\0" record

The image format is told by its magic bytes (JPEG, JPEG 2000 as JP2 file or bare codestream), not by the
record's image-type byte, which chips do not always fill correctly. Images decode with Pillow (OpenJPEG
for JPEG 2000) into an image the screens can show, or into PNG bytes.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Literal

from PIL import Image, UnidentifiedImageError

from drivers.emrtd import lds, tlv
from drivers.emrtd.errors import ImageError, LdsError, TlvError

TAG_DG2 = lds.dg_tag(2)
TAG_GROUP = 0x7F61
TAG_INSTANCE = 0x7F60
TAG_HEADER = 0xA1
TAG_DATA = 0x5F2E
TAG_DATA_ENCIPHERED = 0x7F2E

ImageFormat = Literal["jpeg", "jp2", "j2k", "unknown"]

_FAC_HEADER_LENGTH = 14
_FACIAL_INFO_LENGTH = 20
_IMAGE_INFO_LENGTH = 12
_FEATURE_POINT_LENGTH = 8


def image_format(data: bytes) -> ImageFormat:
    """JPEG (``FF D8 FF``), JP2 (``00 00 00 0C 6A 50 20 20``), J2K codestream (``FF 4F FF 51``) or unknown."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x00\x00\x00\x0c\x6a\x50\x20\x20"):
        return "jp2"
    if data.startswith(b"\xff\x4f\xff\x51"):
        return "j2k"
    return "unknown"


@dataclass(frozen=True)
class FaceImage:
    format: ImageFormat
    data: bytes  # the image file exactly as stored
    width: int | None
    height: int | None
    image_data_type: int | None  # 19794-5 byte: 0 JPEG, 1 JPEG 2000
    gender: int | None
    eye_colour: int | None
    hair_colour: int | None
    expression: int | None

    def to_pil(self) -> Image.Image:
        """The decoded image (RGB)."""
        return decode_image(self.data)

    def to_png(self) -> bytes:
        out = io.BytesIO()
        self.to_pil().save(out, format="PNG")
        return out.getvalue()


@dataclass(frozen=True)
class Dg2:
    images: tuple[FaceImage, ...]

    @property
    def face(self) -> FaceImage:
        if not self.images:
            raise ImageError("DG2 holds no face image")
        return self.images[0]


def decode_image(data: bytes) -> Image.Image:
    """Decode a JPEG or JPEG 2000 image into an RGB Pillow image."""
    if image_format(data) == "unknown":
        raise ImageError("face image is neither JPEG nor JPEG 2000")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"face image cannot be decoded: {type(exc).__name__}") from exc


def _parse_fac(block: bytes) -> list[FaceImage]:
    """Images of a 19794-5 record; a block without the FAC header is taken as a bare image."""
    if not block.startswith(b"FAC\x00"):
        return [FaceImage(image_format(block), block, None, None, None, None, None, None, None)]
    if len(block) < _FAC_HEADER_LENGTH:
        raise LdsError("facial record header is truncated")
    count = struct.unpack(">H", block[12:14])[0]
    images: list[FaceImage] = []
    pos = _FAC_HEADER_LENGTH
    for _ in range(count):
        if pos + _FACIAL_INFO_LENGTH + _IMAGE_INFO_LENGTH > len(block):
            raise LdsError("facial record is truncated")
        length, points = struct.unpack(">IH", block[pos : pos + 6])
        gender, eyes, hair = block[pos + 6], block[pos + 7], block[pos + 8]
        expression = struct.unpack(">H", block[pos + 12 : pos + 14])[0]
        info = pos + _FACIAL_INFO_LENGTH + points * _FEATURE_POINT_LENGTH
        if info + _IMAGE_INFO_LENGTH > len(block):
            raise LdsError("facial record is truncated")
        data_type = block[info + 1]
        width, height = struct.unpack(">HH", block[info + 2 : info + 6])
        start = info + _IMAGE_INFO_LENGTH
        end = pos + length if length >= start - pos else len(block)
        data = block[start : min(end, len(block))]
        images.append(FaceImage(image_format(data), data, width, height, data_type, gender, eyes, hair, expression))
        pos = max(end, start)
    return images


def parse_dg2(data: bytes) -> Dg2:
    """Every face image in DG2 (usually one)."""
    try:
        root = tlv.decode(data, expected_tag=TAG_DG2)
        group = root.find(TAG_GROUP)
        if group is None:
            raise LdsError("DG2 has no biometric information group template (7F61)")
        images: list[FaceImage] = []
        for instance in group.find_all(TAG_INSTANCE):
            block = instance.find(TAG_DATA) or instance.find(TAG_DATA_ENCIPHERED)
            if block is not None:
                images.extend(_parse_fac(block.value))
    except TlvError as exc:
        raise LdsError(f"DG2 is malformed: {exc.message}") from exc
    except struct.error as exc:
        raise LdsError("DG2 facial record is truncated") from exc
    return Dg2(tuple(images))


def build_fac_record(image: bytes, width: int, height: int, *, gender: int = 0) -> bytes:
    """A 19794-5 facial record holding one image (full frontal, no feature points)."""
    fmt = image_format(image)
    if fmt == "unknown":
        raise ImageError("face image must be JPEG or JPEG 2000")
    image_info = struct.pack(
        ">BBHHBBHH", 1, 0 if fmt == "jpeg" else 1, width, height, 1, 2, 0, 0
    )  # full frontal, type, size, 24-bit RGB, digital camera, device, quality
    facial_length = _FACIAL_INFO_LENGTH + len(image_info) + len(image)
    facial_info = struct.pack(">IHBBB", facial_length, 0, gender, 0, 0) + b"\x00\x00\x00" + b"\x00\x00" + bytes(6)
    total = _FAC_HEADER_LENGTH + facial_length
    header = b"FAC\x00" + b"010\x00" + struct.pack(">IH", total, 1)
    return header + facial_info + image_info + image


def build_dg2(image: bytes, width: int, height: int, *, gender: int = 0) -> bytes:
    """DG2 with one face image (JPEG or JPEG 2000)."""
    biometric_header = tlv.encode_constructed(
        TAG_HEADER,
        tlv.encode(0x80, b"\x01\x01"),  # ICAO header version
        tlv.encode(0x81, b"\x02"),  # biometric type: facial features
        tlv.encode(0x87, b"\x01\x01"),  # format owner: ISO/IEC JTC 1/SC 37
        tlv.encode(0x88, b"\x00\x08"),  # format type: face image
    )
    instance = tlv.encode_constructed(
        TAG_INSTANCE, biometric_header, tlv.encode(TAG_DATA, build_fac_record(image, width, height, gender=gender))
    )
    group = tlv.encode_constructed(TAG_GROUP, tlv.encode_integer(1), instance)
    return tlv.encode(TAG_DG2, group)
