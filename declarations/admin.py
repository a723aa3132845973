"""The bureau's admin console for declarations: read-only rows through the permission layer,
filters by year, series, level, state, unit and region, bulk actions that call the same services
as pages and API and report per row, and CSV/XLSX exports with personal numbers masked."""

from django.contrib import admin, messages

from accounts.admin_base import GatedAdmin
from accounts.exports import csv_response, xlsx_response

from .flow import Action, State
from .models import Declaration
from .selectors import visible_declarations
from .services import DeclarationError, InvalidInput, take_action

EXPORT_HEADER = ["编号", "年度", "申报人", "身份证号码", "手机号码", "单位", "行政区划", "系列", "专业", "层级", "渠道",
                 "状态", "版本", "提交时间"]


def _export_rows(queryset):
    for d in queryset.select_related("applicant", "employer", "series", "specialty").iterator(chunk_size=500):
        yield [d.pk, d.year, d.applicant.real_name or d.applicant.username, d.applicant.id_number,
               d.applicant.phone, d.employer.name, d.employer.region_code, d.series.name,
               d.specialty.name if d.specialty else "", d.get_level_display(), d.get_route_display(),
               d.get_state_display(), d.version, d.submitted_at.strftime("%Y-%m-%d %H:%M") if d.submitted_at else ""]


@admin.register(Declaration)
class DeclarationAdmin(GatedAdmin):
    list_display = ["pk", "year", "applicant_name", "employer", "series", "level", "route", "state", "version",
                    "submitted_at"]
    list_filter = ["year", "series", "level", "state", "route", ("employer", admin.RelatedOnlyFieldListFilter),
                   "employer__region_code"]
    search_fields = ["applicant__real_name", "employer__name"]
    list_select_related = ["applicant", "employer", "series"]
    list_per_page = 50
    actions = ["pass_selected", "export_csv", "export_xlsx"]
    change_rule = ""  # no field of a declaration is edited by hand: actions go through the services

    def visible(self, user):
        return visible_declarations(user).exclude(state=State.DRAFT)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    @admin.display(description="申报人", ordering="applicant__real_name")
    def applicant_name(self, obj):
        return obj.applicant.real_name or obj.applicant.username

    @admin.action(description="审核通过所选申报（主管部门或人社部门）")
    def pass_selected(self, request, queryset):
        done = refused = 0
        for declaration in queryset:
            try:
                take_action(actor=request.user, declaration_id=declaration.pk, action=Action.PASS, payload={},
                            request=request)
            except DeclarationError as exc:
                refused += 1
                self.message_user(request, f"“{declaration}”未通过审核（{exc.rule}）：{exc.message}", messages.ERROR)
            except InvalidInput as exc:
                refused += 1
                self.message_user(request, f"“{declaration}”未通过审核：{'；'.join(exc.errors.values())}",
                                  messages.ERROR)
            except Exception as exc:  # PermissionDenied, Http404: not this user's step
                refused += 1
                self.message_user(request, f"“{declaration}”未通过审核：{exc or '您不是该环节的审核人'}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"审核通过 {done} 件，未办理 {refused} 件", messages.INFO)

    @admin.action(description="导出所选申报（CSV，个人号码已遮蔽）")
    def export_csv(self, request, queryset):
        return csv_response("declarations.csv", EXPORT_HEADER, _export_rows(queryset))

    @admin.action(description="导出所选申报（Excel，个人号码已遮蔽）")
    def export_xlsx(self, request, queryset):
        return xlsx_response("declarations.xlsx", EXPORT_HEADER, _export_rows(queryset), title="职称申报")
