"""DG2: ISO/IEC 19794-5 facial records, JPEG and JPEG 2000 detection and decoding."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from drivers.emrtd import tlv
from drivers.emrtd.dg2 import build_dg2, build_fac_record, decode_image, image_format, parse_dg2
from drivers.emrtd.errors import ImageError, LdsError
from drivers.sim.face_image import HEIGHT, WIDTH, synthetic_face_jpeg, synthetic_face_jpeg2000


def _encoded(fmt: str) -> bytes:
    image = Image.new("RGB", (32, 48), (200, 30, 30))
    out = io.BytesIO()
    if fmt == "jpeg":
        image.save(out, format="JPEG")
    else:
        image.save(out, format="JPEG2000", no_jp2=fmt == "j2k")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (bytes.fromhex("FFD8FFE0") + bytes(8), "jpeg"),
        (bytes.fromhex("0000000C6A5020200D0A870A"), "jp2"),
        (bytes.fromhex("FF4FFF51") + bytes(8), "j2k"),
        (b"\x89PNG\r\n\x1a\n", "unknown"),
        (b"", "unknown"),
    ],
)
def test_magic_bytes(data: bytes, fmt: str) -> None:
    assert image_format(data) == fmt


@pytest.mark.parametrize("fmt", ["jpeg", "jp2", "j2k"])
def test_round_trip_and_decode(fmt: str) -> None:
    image = _encoded(fmt)
    dg2 = parse_dg2(build_dg2(image, 32, 48, gender=2))
    face = dg2.face
    assert face.format == fmt and face.data == image
    assert (face.width, face.height, face.gender) == (32, 48, 2)
    assert face.image_data_type == (0 if fmt == "jpeg" else 1)
    decoded = face.to_pil()
    assert decoded.size == (32, 48) and decoded.mode == "RGB"
    red, green, _ = decoded.getpixel((16, 24))  # type: ignore[misc]
    assert red > 150 and green < 90
    png = face.to_png()
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (32, 48)


def test_dg2_layout() -> None:
    dg2 = build_dg2(_encoded("jpeg"), 32, 48)
    root = tlv.decode(dg2, expected_tag=0x75)
    group = root.find(0x7F61)
    assert group is not None and tlv.decode_integer(group.children[0]) == 1
    instance = group.find(0x7F60)
    assert instance is not None and instance.find(0xA1) is not None
    block = instance.find(0x5F2E)
    assert block is not None and block.value.startswith(b"FAC\x00010\x00")
    assert struct.unpack(">I", block.value[8:12])[0] == len(block.value)


def test_format_is_read_from_magic_not_from_the_type_byte() -> None:
    jp2 = _encoded("jp2")
    record = bytearray(build_fac_record(jp2, 32, 48))
    record[14 + 20 + 1] = 0  # claims JPEG
    instance = tlv.encode_constructed(0x7F60, tlv.encode(0x5F2E, bytes(record)))
    dg2 = parse_dg2(tlv.encode(0x75, tlv.encode_constructed(0x7F61, tlv.encode_integer(1), instance)))
    assert dg2.face.format == "jp2" and dg2.face.image_data_type == 0
    assert dg2.face.to_pil().size == (32, 48)


def test_bare_image_in_7f2e_block() -> None:
    jpeg = _encoded("jpeg")
    instance = tlv.encode_constructed(0x7F60, tlv.encode(0x7F2E, jpeg))
    dg2 = parse_dg2(tlv.encode(0x75, tlv.encode_constructed(0x7F61, tlv.encode_integer(1), instance)))
    assert dg2.face.format == "jpeg" and dg2.face.data == jpeg and dg2.face.width is None


def test_malformed_dg2() -> None:
    for bad in ("", "7500", "6100", "7505", "75037F6100"):
        try:
            dg2 = parse_dg2(bytes.fromhex(bad))
        except LdsError:
            continue
        with pytest.raises(ImageError):
            _ = dg2.face
    truncated = build_dg2(_encoded("jpeg"), 32, 48)
    with pytest.raises(LdsError):
        parse_dg2(truncated[:-10])
    fac_cut = b"FAC\x00010\x00" + struct.pack(">IH", 100, 1) + bytes(10)
    instance = tlv.encode_constructed(0x7F60, tlv.encode(0x5F2E, fac_cut))
    with pytest.raises(LdsError):
        parse_dg2(tlv.encode(0x75, tlv.encode_constructed(0x7F61, tlv.encode_integer(1), instance)))


def test_undecodable_image_raises_image_error() -> None:
    with pytest.raises(ImageError):
        decode_image(b"\xff\xd8\xff" + bytes(50))
    with pytest.raises(ImageError):
        decode_image(b"GIF89a")
    with pytest.raises(ImageError):
        build_fac_record(b"GIF89a", 1, 1)


@pytest.mark.parametrize("size", [8000, 20000, 60000])
def test_synthetic_face_sizes(size: int) -> None:
    jpeg, width, height = synthetic_face_jpeg("001090123456", size)
    assert len(jpeg) == size and (width, height) == (WIDTH, HEIGHT)
    assert decode_image(jpeg).size == (WIDTH, HEIGHT)
    jp2, _, _ = synthetic_face_jpeg2000("001090123456", size)
    assert len(jp2) <= size * 1.1 and image_format(jp2) == "jp2"
    assert decode_image(jp2).size == (WIDTH, HEIGHT)


def test_synthetic_face_is_deterministic_per_seed() -> None:
    assert synthetic_face_jpeg("a", 9000) == synthetic_face_jpeg("a", 9000)
    assert synthetic_face_jpeg("a", 9000) != synthetic_face_jpeg("b", 9000)
