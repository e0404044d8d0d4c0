"""REST API: a patient's SMS conversation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import paginated
from accounts.models import Patient
from accounts.services import audit
from messaging.models import Direction, Message, Status


class MessageOutputSerializer(serializers.ModelSerializer[Message]):
    direction = serializers.ChoiceField(choices=Direction.values)
    status = serializers.ChoiceField(choices=Status.values)

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "body",
            "status",
            "created_at",
            "segments",
            "suppressed_reason",
        ]


class PatientMessagesApi(APIView):
    """The SMS conversation with one of your patients, newest first."""

    class Pagination(PageNumberPagination):
        page_size = 50
        max_page_size = 200
        page_size_query_param = "page_size"

    @extend_schema(responses=paginated(MessageOutputSerializer, "MessagePage"))
    def get(self, request: Request, patient_id: int) -> Response:
        patient = get_object_or_404(Patient.objects.visible_to(request.user), pk=patient_id)
        audit(actor=request.user, patient=patient, action="view", what="messages (API)")
        messages = Message.objects.filter(patient=patient).order_by("-created_at", "-pk")
        paginator = self.Pagination()
        page = paginator.paginate_queryset(messages, request, view=self)
        return paginator.get_paginated_response(MessageOutputSerializer(page, many=True).data)
