"""The payload schema of each workflow kind (pydantic): what ``data`` of a submission must hold.

The kiosk checks a submission with ``check_submission`` before queueing it, and the intake checks every verified
submission with the same call, so nothing is queued that the intake would refuse. A kind without its own schema
is refused (``unknown-kind``) unless the caller names its schema: a site's own workflow plugin declares one (at
least ``FormPayload``, the part every kind shares: the procedure and a form naming the person by full name and
ID, document or passport number), and its intake must accept that kind too. Unknown extra keys are allowed (newer
kiosks may send more).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from wire.errors import PayloadSchemaError

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class FormValues(_Open):
    full_name: Text
    id_number: Text | None = None
    document_number: Text | None = None
    passport_number: Text | None = None

    @model_validator(mode="after")
    def _names_a_document(self) -> FormValues:
        if not (self.id_number or self.document_number or self.passport_number):
            raise ValueError("needs id_number, document_number or passport_number")
        return self


class Identity(_Open):
    full_name: Text | None = None
    id_number: Text | None = None
    document_number: Text | None = None


class AdminUnit(_Open):
    """A current (2025) province (2-digit code) or commune (5-digit code), statistics-office codes."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}([0-9]{3})?$")]
    name: Text


class AddressBlock(_Open):
    """The residence as the person confirmed it: the card's text kept raw, the current units when known, and the
    data version that converted it."""

    raw: str
    text: str
    province: AdminUnit | None = None
    commune: AdminUnit | None = None
    answer: Text
    data_version: Text


class FormPayload(_Open):
    """Every kind: ``procedure`` (its id) and ``form`` (the form's values); ``address`` when the person
    confirmed the card's address in the current units."""

    procedure: Text
    procedure_code: str | None = None
    form_id: str | None = None
    form: FormValues
    identity: Identity | None = None
    address: AddressBlock | None = None


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    media_type: Literal["application/pdf"]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    content_base64: Text


class OneStopPayload(FormPayload):
    renderer: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)


class CardCheck(_Open):
    code: str
    usable: bool = False
    checked: bool = True
    flag: str | None = None


class FhirBundle(_Open):
    resourceType: Literal["Bundle"]  # the FHIR element name
    type: str
    entry: list[dict[str, Any]] = Field(min_length=1)


class ClinicPayload(FormPayload):
    qd130: dict[str, str] | None = None
    qd130_xml: str | None = None
    fhir: FhirBundle | None = None
    card_check: CardCheck | None = None
    flags: list[str] = Field(default_factory=list)


class LodgingForm(FormValues):
    arrival: Text


class LodgingPayload(FormPayload):
    form: LodgingForm
    arrival: str | None = None
    deadline: dict[str, Any] | None = None


SCHEMAS: dict[str, type[FormPayload]] = {
    "one-stop": OneStopPayload,
    "clinic": ClinicPayload,
    "lodging": LodgingPayload,
}


def check_submission(kind: str, data: Any, evidence: Any, schema: type[FormPayload] | None = None) -> FormPayload:
    """The validated ``data`` of a submission of ``kind`` (against ``schema``, default the kind's own);
    ``PayloadSchemaError`` names the first wrong field."""
    model = schema or SCHEMAS.get(kind)
    if model is None:
        raise PayloadSchemaError("kind", "unknown submission kind", code="unknown-kind")
    if not isinstance(data, dict):
        raise PayloadSchemaError("data", "must be an object")
    if not isinstance(evidence, dict):
        raise PayloadSchemaError("evidence", "must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(["data", *(str(part) for part in first["loc"])])
        raise PayloadSchemaError(where, str(first["msg"])) from None


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of each kind's ``data`` (published for integrators)."""
    return {kind: model.model_json_schema() for kind, model in SCHEMAS.items()}
