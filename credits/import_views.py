"""Staff pages of the billing import (SPEC section 6): upload and list, an import's live progress
and report, the service-group mapping. Every write goes through credits.billing_import and
credits.services; the reads through credits.selectors.billing."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from core import formatting
from core.decorators import staff_required
from core.errors import DomainError
from seasons.models import Season

from .billing_import.lease import billing_import_reap_expired, billing_import_restart
from .billing_import.upload import billing_import_create
from .import_forms import BillingUploadForm, ServiceGroupMappingForm
from .models import BillingImport, ServiceGroup, ServiceGroupMapping
from .selectors.billing import billed_month_list, billing_import_list, unclassified_list
from .services import service_group_delete, service_group_set
from .tables import (
    BillingImportTable,
    ImportErrorTable,
    MappingTable,
    UnclassifiedLatestTable,
    UnclassifiedTable,
)

PAGE_SIZE = 25
MAPPINGS_PAGE_SIZE = 50
RUNNING = (BillingImport.Status.PENDING, BillingImport.Status.RUNNING)


def _season(request) -> Season | None:
    slug = request.GET.get("season")
    if slug:
        return get_object_or_404(Season, slug=slug)
    return Season.objects.current()


@staff_required
def billing(request):
    billing_import_reap_expired()  # a dead worker's import shows as such at once
    season = _season(request)
    form = BillingUploadForm()
    if request.method == "POST":
        form = BillingUploadForm(request.POST, request.FILES)
        if season is None:
            form.add_error(None, _("There is no season; create one first."))
        elif form.is_valid():
            try:
                billing_import = billing_import_create(
                    season=season, uploaded_file=form.cleaned_data["file"], user=request.user
                )
            except DomainError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request,
                    _("%(file)s was uploaded; the import runs in the background.")
                    % {"file": billing_import.file_name},
                )
                return redirect("credits:staff-billing-import", pk=billing_import.pk)
    imports = BillingImportTable(billing_import_list(season=season))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(imports)
    return render(
        request,
        "credits/staff/billing_list.html",
        {
            "season": season,
            "form": form,
            "imports": imports,
            "billed_months": billed_month_list(season=season),
            "seasons": Season.objects.all(),
        },
    )


def _progress(billing_import: BillingImport) -> dict:
    done = billing_import.status not in RUNNING
    size = billing_import.size_bytes
    if done:
        percent = 100
    elif size:
        percent = min(99, billing_import.progress_bytes * 100 // size)
    else:
        percent = 0
    if billing_import.status == BillingImport.Status.PENDING:
        stage = _("Waiting for a worker …")
    elif billing_import.status == BillingImport.Status.RUNNING:
        if size and billing_import.progress_bytes >= size:
            stage = _("Storing the rows …")
        else:
            stage = _("Reading and checking the file …")
    else:
        stage = billing_import.status_label()
    return {
        "status": billing_import.status,
        "status_label": str(billing_import.status_label()),
        "stage": stage,
        "done": done,
        "progress_bytes": billing_import.progress_bytes,
        "size_bytes": size,
        "percent": percent,
        "percent_text": formatting.percent(percent),
    }


@staff_required
def billing_import(request, pk):
    billing_import_reap_expired()
    billing_import = get_object_or_404(
        BillingImport.objects.select_related("season", "uploaded_by"), pk=pk
    )
    original = None
    if billing_import.status == BillingImport.Status.UNCHANGED:
        original = (
            BillingImport.objects.filter(
                season=billing_import.season,
                sha256=billing_import.sha256,
                status=BillingImport.Status.SUCCEEDED,
            )
            .exclude(pk=billing_import.pk)
            .first()
        )
    mapped = set(ServiceGroupMapping.objects.values_list("category_key", flat=True))
    unclassified = [
        {**entry, "mapped": entry["category"].casefold() in mapped}
        for entry in billing_import.unclassified
    ]
    return render(
        request,
        "credits/staff/billing_detail.html",
        {
            "billing_import": billing_import,
            "season": billing_import.season,
            "progress": _progress(billing_import),
            "original": original,
            "unclassified": unclassified,
            "unclassified_table": UnclassifiedTable(unclassified),
            "errors_table": ImportErrorTable(
                billing_import.errors, error_count=billing_import.error_count
            ),
        },
    )


@never_cache
@require_GET
@staff_required
def billing_progress(request, pk):
    billing_import_reap_expired()  # the bar stops when the worker has
    billing_import = get_object_or_404(
        BillingImport.objects.only("status", "failure", "size_bytes", "progress_bytes"), pk=pk
    )
    return JsonResponse(_progress(billing_import))


@staff_required
@require_POST
def billing_restart(request, pk):
    billing_import = get_object_or_404(BillingImport, pk=pk)
    try:
        billing_import_restart(billing_import=billing_import)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The import was started again with the stored file."))
    return redirect("credits:staff-billing-import", pk=billing_import.pk)


def _posted_mapping(request) -> ServiceGroupMapping:
    value = request.POST.get("mapping", "")
    if not value.isdigit():
        raise Http404
    return get_object_or_404(ServiceGroupMapping, pk=int(value))


@staff_required
def service_groups(request):
    season = Season.objects.current()
    form = ServiceGroupMappingForm(initial={"meter_category": request.GET.get("category", "")})
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            mapping = _posted_mapping(request)
            service_group_delete(mapping=mapping)
            messages.success(
                request,
                _("%(category)s has no service group any more.")
                % {"category": mapping.meter_category},
            )
            return redirect("credits:staff-service-groups")
        form = ServiceGroupMappingForm(request.POST)
        if form.is_valid():
            try:
                mapping, created = service_group_set(**form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                message = (
                    _("%(category)s now belongs to %(group)s.")
                    if created
                    else _("%(category)s was moved to %(group)s.")
                )
                messages.success(
                    request,
                    message
                    % {
                        "category": mapping.meter_category,
                        "group": mapping.get_service_group_display(),
                    },
                )
                return redirect("credits:staff-service-groups")
    mappings = ServiceGroupMapping.objects.all()
    groups = [
        (value, label, [m for m in mappings if m.service_group == value])
        for value, label in ServiceGroup.choices
    ]
    table = MappingTable([m for _value, _label, in_group in groups for m in in_group])
    RequestConfig(request, paginate={"per_page": MAPPINGS_PAGE_SIZE}).configure(table)
    unclassified = unclassified_list(season=season)
    return render(
        request,
        "credits/staff/service_groups.html",
        {
            "season": season,
            "form": form,
            "groups": groups,
            "mapping_count": len(mappings),
            "mappings": table,
            "group_choices": ServiceGroup.choices,
            "unclassified": unclassified,
            "unclassified_table": UnclassifiedLatestTable(unclassified),
        },
    )
