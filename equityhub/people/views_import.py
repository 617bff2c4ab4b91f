# Replaced by the import/export work in progress.
from django.http import HttpResponse


def import_upload(request):  # type: ignore[no-untyped-def]
    return HttpResponse(status=501)


def import_confirm(request, token):  # type: ignore[no-untyped-def]
    return HttpResponse(status=501)


def export(request):  # type: ignore[no-untyped-def]
    return HttpResponse(status=501)
