"""POST /api/v1/imports/ (multipart: format, file, options) and GET /api/v1/imports/<id>/."""

from __future__ import annotations

import json
from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.imports import jobs
from incidents.imports.formats import all_options, clean_format_options
from incidents.models import ImportJob


class CanImport(BasePermission):
    """Analysts and reviewers submit and follow imports; viewers may not."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        codename = "add_importjob" if request.method == "POST" else "view_importjob"
        return request.user.has_perm(f"incidents.{codename}")


class ImportJobCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ImportJob.Format.choices)
    file = serializers.FileField()
    options = serializers.JSONField(
        required=False,
        default=dict,
        help_text="The format's options: "
        + "; ".join(f"{option.name} ({label})" for option, label in all_options().values())
        + ". An option the format does not take is refused.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Refused before anything is stored; the errors are keyed "file" and "options".
        jobs.import_file_size_check(size=attrs["file"].size)
        attrs["options"] = clean_format_options(attrs["format"], attrs.get("options") or {})
        return attrs

    def validate_options(self, value: Any) -> dict:
        # In a multipart form the options arrive as a JSON string.
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise serializers.ValidationError(
                    _("Not valid JSON: %(reason)s.") % {"reason": exc.msg}
                ) from None
        if not isinstance(value, dict):
            raise serializers.ValidationError(_('Give an object, e.g. {"country": "UKR"}.'))
        return value


class ImportJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "format",
            "options",
            "status",
            "rows_total",
            "rows_processed",
            "rows_created",
            "rows_updated",
            "rows_skipped",
            "rows_rejected",
            "progress_percent",
            "row_errors",
            "error_message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobListCreate(APIView):
    permission_classes = [IsAuthenticated, CanImport]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": ImportJobCreateSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='Field errors, e.g. {"file": ["The file is 250.3 MB; imports take '
                'at most 200 MB (IMPORT_MAX_BYTES)."]}.',
            ),
        },
        summary="Upload a file to import (at most IMPORT_MAX_BYTES); the job runs on a worker.",
    )
    def post(self, request: Request) -> Response:
        serializer = ImportJobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = jobs.import_job_create(created_by=request.user, **serializer.validated_data)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobDetail(APIView):
    permission_classes = [IsAuthenticated, CanImport]

    @extend_schema(
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: ImportJobSerializer},
        summary="An import job's status, progress and rejected rows.",
    )
    def get(self, request: Request, pk: str) -> Response:
        # Any segment reaches the view, so a malformed id is a JSON 404, not an HTML page.
        if not pk.isdigit():
            raise NotFound(f"No import job {pk!r}.")
        return Response(ImportJobSerializer(get_object_or_404(ImportJob, pk=int(pk))).data)


urlpatterns = [
    path("", ImportJobListCreate.as_view(), name="import-job-list"),
    path("<str:pk>/", ImportJobDetail.as_view(), name="import-job-detail"),
]
