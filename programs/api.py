"""REST API for patients: enroll and stratify (POST), list and read (GET)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import (
    StrictBooleanField,
    StrictCharField,
    StrictInputSerializer,
    StrictIntegerField,
    paginated,
)
from accounts.models import Language, PainSite, Patient, SmsConsent
from accounts.permissions import CanEnroll
from accounts.services import audit
from programs.models import current_enrollment, latest_screen, with_stratification
from programs.services import patient_enroll
from programs.stratification import ITEM_COUNT, RISK_GROUPS


class FlagsSerializer(StrictInputSerializer):
    """Every flag must be answered: a missing flag is an error, never a silent "no"."""

    cancer_history = StrictBooleanField()
    immunosuppressed = StrictBooleanField()
    iv_drug_use = StrictBooleanField()
    osteoporosis_or_steroids = StrictBooleanField()
    recent_infection_or_spinal_procedure = StrictBooleanField()


class ProgramSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    tier = serializers.ChoiceField(choices=RISK_GROUPS)
    title = serializers.CharField()


class PatientOutputSerializer(serializers.Serializer[Patient]):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    timezone = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.values)
    sms_consent = serializers.BooleanField(help_text="True while SMS consent is active.")
    sms_consent_state = serializers.ChoiceField(choices=SmsConsent.values)
    status = serializers.ChoiceField(choices=Patient.Status.values)
    clinician = serializers.IntegerField(source="clinician_id")
    pain_sites = serializers.ListField(child=serializers.ChoiceField(choices=PainSite.values))
    back_pain = serializers.IntegerField(help_text="Baseline back pain at enrollment, 0–10.")
    leg_pain = serializers.IntegerField(help_text="Baseline leg pain at enrollment, 0–10.")
    onset_date = serializers.DateField(allow_null=True)
    presentation_date = serializers.DateField()
    flags = FlagsSerializer()
    startback = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    risk_group = serializers.ChoiceField(choices=RISK_GROUPS, allow_null=True)
    startback_total = serializers.IntegerField(allow_null=True)
    startback_psychosocial = serializers.IntegerField(allow_null=True)
    program = ProgramSerializer(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, patient: Patient) -> dict[str, Any]:
        screen = latest_screen(patient)
        enrollment = current_enrollment(patient)
        program = enrollment.program if enrollment else None
        return {
            "id": patient.pk,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "phone": str(patient.phone),
            "timezone": patient.timezone,
            "language": patient.language,
            "sms_consent": patient.sms_consent == SmsConsent.ACTIVE,
            "sms_consent_state": patient.sms_consent,
            "status": patient.status,
            "clinician": patient.clinician_id,
            "pain_sites": patient.pain_sites,
            "back_pain": patient.baseline_back_pain,
            "leg_pain": patient.baseline_leg_pain,
            "onset_date": patient.onset_date.isoformat() if patient.onset_date else None,
            "presentation_date": patient.presentation_date.isoformat(),
            "flags": patient.flags,
            "startback": screen.answers if screen else None,
            "risk_group": screen.risk_group if screen else None,
            "startback_total": screen.total if screen else None,
            "startback_psychosocial": screen.psychosocial if screen else None,
            "program": (
                {"slug": program.slug, "tier": program.tier, "title": program.title}
                if program
                else None
            ),
            "created_at": serializers.DateTimeField().to_representation(patient.created_at),
        }


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 4},
        "minItems": ITEM_COUNT,
        "maxItems": ITEM_COUNT,
    }
)
class StartBackField(serializers.ListField):
    """The nine answers; the schema states what stratification enforces (its own messages)."""


class PatientListApi(APIView):
    """Enroll a patient (POST) or list the patients you are responsible for (GET)."""

    permission_classes = [CanEnroll]

    @extend_schema_serializer(component_name="PatientEnrollment")
    class InputSerializer(StrictInputSerializer):
        first_name = StrictCharField(max_length=100)
        last_name = StrictCharField(max_length=100)
        phone = StrictCharField(
            max_length=40,
            help_text="A mobile number in any common format; without + and the country code it "
            "is read as a number of where `timezone` is (US across the Americas). Stored as E.164.",
        )
        timezone = StrictCharField(max_length=64, help_text="IANA time zone, e.g. America/Chicago.")
        language = serializers.ChoiceField(choices=Language.values)
        sms_consent = StrictBooleanField(
            help_text="Required. False enrolls a web-only patient who is never sent SMS."
        )
        startback = StartBackField(
            child=StrictIntegerField(),
            help_text=(
                f"{ITEM_COUNT} STarT Back answers: items 1–8 are 0 (disagree) or 1 (agree); "
                "item 9 is 0–4 (not at all … extremely)."
            ),
        )
        pain_sites = serializers.ListField(
            child=StrictCharField(), help_text=f"Site keys: {', '.join(PainSite.values)}."
        )
        back_pain = StrictIntegerField(min_value=0, max_value=10)
        leg_pain = StrictIntegerField(min_value=0, max_value=10)
        onset_date = serializers.DateField(allow_null=True, help_text="null when unknown.")
        presentation_date = serializers.DateField()
        flags = FlagsSerializer()

    class Pagination(PageNumberPagination):
        page_size = 50
        max_page_size = 200
        page_size_query_param = "page_size"

    def get_queryset(self) -> QuerySet[Patient]:
        return with_stratification(Patient.objects.visible_to(self.request.user))

    @extend_schema(
        operation_id="patients_list", responses=paginated(PatientOutputSerializer, "PatientPage")
    )
    def get(self, request: Request) -> Response:
        paginator = self.Pagination()
        page = paginator.paginate_queryset(self.get_queryset(), request, view=self)
        rows = PatientOutputSerializer(page, many=True)  # type: ignore[arg-type]
        return paginator.get_paginated_response(rows.data)

    @extend_schema(request=InputSerializer, responses={201: PatientOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = patient_enroll(
                clinician=request.user.clinician,  # type: ignore[union-attr]
                actor=request.user,  # type: ignore[arg-type]
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                timezone_name=data["timezone"],
                language=data["language"],
                sms_consent=data["sms_consent"],
                startback=data["startback"],
                pain_sites=data["pain_sites"],
                back_pain=data["back_pain"],
                leg_pain=data["leg_pain"],
                onset_date=data["onset_date"],
                presentation_date=data["presentation_date"],
                flags=data["flags"],
            )
        except DjangoValidationError as invalid:
            raise ValidationError(invalid.message_dict) from invalid
        patient = self.get_queryset().get(pk=result.patient.pk)
        return Response(PatientOutputSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailApi(APIView):
    """One of your patients; another clinician's patient is a 404."""

    @extend_schema(responses=PatientOutputSerializer)
    def get(self, request: Request, patient_id: int) -> Response:
        patients = with_stratification(Patient.objects.visible_to(request.user))
        patient = get_object_or_404(patients, pk=patient_id)
        audit(actor=request.user, patient=patient, action="view", what="patient (API)")
        return Response(PatientOutputSerializer(patient).data)
