"""REST API: a patient's check-ins; start one now."""

from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import paginated
from accounts.models import Patient
from accounts.services import audit
from checkins.models import Answer, Checkin
from checkins.services import CheckinRefused, checkin_start, question_context
from messaging.texts import render


class PendingQuestionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    text = serializers.CharField()


class CheckinOutputSerializer(serializers.Serializer[Checkin]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["full", "short"])
    channel = serializers.ChoiceField(choices=Checkin.Channel.values)
    status = serializers.ChoiceField(choices=Checkin.Status.values)
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    answers = serializers.DictField(
        child=serializers.JSONField(), help_text="Answers by question key (null = unanswered)."
    )
    late_replies = serializers.ListField(child=serializers.CharField())
    pending_question = PendingQuestionSerializer(allow_null=True)

    def to_representation(self, checkin: Checkin) -> dict[str, Any]:
        answers = [a for a in checkin.answers.all() if not a.late]
        pending = None
        if checkin.status == Checkin.Status.OPEN and checkin.pending_question:
            key = checkin.pending_question
            text = render(f"q_{key}", checkin.patient.language, question_context(checkin))
            pending = {"key": key, "text": text}
        return {
            "id": checkin.pk,
            "kind": checkin.kind,
            "channel": checkin.channel,
            "status": checkin.status,
            "started_at": serializers.DateTimeField().to_representation(checkin.started_at),
            "expires_at": serializers.DateTimeField().to_representation(checkin.expires_at),
            "ended_at": (
                serializers.DateTimeField().to_representation(checkin.ended_at)
                if checkin.ended_at
                else None
            ),
            "answers": {a.question: a.value for a in answers},
            "late_replies": [a.raw for a in checkin.answers.all() if a.late],
            "pending_question": pending,
        }


class RefusedSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    reason = serializers.CharField()


class PatientCheckinsApi(APIView):
    """A patient's check-ins, newest first (GET); start an SMS check-in now (POST)."""

    class Pagination(PageNumberPagination):
        page_size = 20
        max_page_size = 100
        page_size_query_param = "page_size"

    def _patient(self, request: Request, patient_id: int) -> Patient:
        return get_object_or_404(Patient.objects.visible_to(request.user), pk=patient_id)

    @extend_schema(responses=paginated(CheckinOutputSerializer, "CheckinPage"))
    def get(self, request: Request, patient_id: int) -> Response:
        patient = self._patient(request, patient_id)
        audit(actor=request.user, patient=patient, action="view", what="check-ins (API)")
        checkins = (
            Checkin.objects.filter(patient=patient)
            .select_related("patient")
            .prefetch_related(
                Prefetch("answers", queryset=Answer.objects.order_by("answered_at", "pk"))
            )
            .order_by("-started_at", "-pk")
        )
        paginator = self.Pagination()
        page = paginator.paginate_queryset(checkins, request, view=self)
        rows = CheckinOutputSerializer(page, many=True)  # type: ignore[arg-type]
        return paginator.get_paginated_response(rows.data)

    @extend_schema(
        request=None,
        responses={
            201: CheckinOutputSerializer,
            409: OpenApiResponse(RefusedSerializer, description="Opted out, no consent, or open"),
        },
    )
    def post(self, request: Request, patient_id: int) -> Response:
        patient = self._patient(request, patient_id)
        try:
            checkin = checkin_start(patient=patient, actor=request.user)  # type: ignore[arg-type]
        except CheckinRefused as refused:
            messages = {
                "opted_out": "The patient has opted out of SMS.",
                "no_sms_consent": "The patient has not consented to SMS.",
                "checkin_already_open": "A check-in is already open for this patient.",
            }
            return Response(
                {
                    "detail": messages.get(refused.reason, "The patient is not active."),
                    "reason": refused.reason,
                },
                status=status.HTTP_409_CONFLICT,
            )
        checkin = (
            Checkin.objects.select_related("patient").prefetch_related("answers").get(pk=checkin.pk)
        )
        return Response(CheckinOutputSerializer(checkin).data, status=status.HTTP_201_CREATED)
