"""Forms of the applicant's wizard: the profile, one form per kind of row, the new declaration.

Every date is held to 1950..2100 and may not lie in the future (a fact that has not happened yet);
a NUL byte anywhere is refused. Messages are Chinese and shown beside the field.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from config.clock import today

from .models import (
    Achievement,
    Assessment,
    ContinuingEducation,
    Education,
    HeldTitle,
    Profile,
    Qualification,
    WorkPeriod,
)

MIN_YEAR, MAX_YEAR = 1950, 2100


class PastDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": "请输入有效的日期（YYYY-MM-DD）"}

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValidationError(f"日期应在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间")
        if value > today():
            raise ValidationError("日期晚于今天：尚未发生的事实不能填报")


class CleanTextMixin:
    """Refuse NUL bytes and other control characters in every text field."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
                self.add_error(name, "含有不可见的控制字符，请删除后重新输入")
        return cleaned


def _date_fields(model, names):
    return {name: PastDateField(label=model._meta.get_field(name).verbose_name,
                                required=not model._meta.get_field(name).null) for name in names}


class ProfileForm(CleanTextMixin, forms.ModelForm):
    career_start = PastDateField(label="参加工作时间", required=False)
    post_since = PastDateField(label="现岗位起始时间", required=False)
    grassroots_since = PastDateField(label="在基层工作起始时间", required=False,
                                     help_text="长期在县以下基层一线工作的，填写起始时间；否则留空")

    class Meta:
        model = Profile
        fields = ["in_service", "career_start", "post_series", "post_name", "post_since", "grassroots_since",
                  "county_health_edu_agri", "township_service_years"]


class EducationForm(CleanTextMixin, forms.ModelForm):
    obtained = PastDateField(label="毕业时间")

    class Meta:
        model = Education
        fields = ["degree", "school", "major", "obtained", "full_time", "related_to_specialty"]


class WorkPeriodForm(CleanTextMixin, forms.ModelForm):
    start = PastDateField(label="起始时间")
    end = PastDateField(label="结束时间", required=False, help_text="至今留空")

    class Meta:
        model = WorkPeriod
        fields = ["employer_name", "post", "start", "end"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "结束时间早于起始时间")
        return cleaned


class HeldTitleForm(CleanTextMixin, forms.ModelForm):
    obtained = PastDateField(label="取得时间")

    class Meta:
        model = HeldTitle
        fields = ["series", "specialty", "level", "obtained", "committee", "directed"]


class QualificationForm(CleanTextMixin, forms.ModelForm):
    obtained = PastDateField(label="取得时间")

    class Meta:
        model = Qualification
        fields = ["name", "obtained"]


class AssessmentForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ["year", "rating"]


class ContinuingEducationForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = ContinuingEducation
        fields = ["year", "total", "professional"]

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("total") is not None and cleaned.get("professional") is not None
                and cleaned["professional"] > cleaned["total"]):
            self.add_error("professional", "专业科目学时不能多于总学时")
        return cleaned


class AchievementForm(CleanTextMixin, forms.ModelForm):
    date = PastDateField(label="时间")

    class Meta:
        model = Achievement
        fields = ["kind", "title", "date", "description", "representative"]


# The profile's parts that are lists of rows: (label, form, the profile's related name, help).
PARTS: dict[str, tuple[str, type[forms.ModelForm], str, str]] = {
    "education": ("学历", EducationForm, "education", "填写全部学历，最高学历将作为申报学历"),
    "work": ("工作经历", WorkPeriodForm, "work_history", ""),
    "titles": ("已取得职称", HeldTitleForm, "titles", "含转评前取得的职称；双定向职称请勾选"),
    "qualifications": ("职业资格", QualificationForm, "qualifications", "如一级注册建造师，可视同相应职称"),
    "assessments": ("年度考核", AssessmentForm, "assessments", "近三年的年度考核等次"),
    "hours": ("继续教育学时", ContinuingEducationForm, "continuing_education", "近三年每年的总学时与专业科目学时"),
    "achievements": ("业绩成果", AchievementForm, "achievements", "代表作请勾选“代表作”，将排在最前"),
}
