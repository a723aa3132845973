"""The committee office's forms: what a secretary types; every write goes to ``committees.services``."""

from django import forms

from accounts.models import Organisation, Role, User
from titles.models import Level, ReviewPlan, Specialty
from titles.validators import validate_accepted_date

from .models import EXPERT_LEVELS, DisciplineDecision, Expert, MeetingMethod


def _date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, validators=[validate_accepted_date],
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ExpertForm(forms.Form):
    user = forms.ModelChoiceField(label="专家账号", queryset=User.objects.none(), required=False,
                                  help_text="持有“评审专家”角色、尚未入库的用户")
    level = forms.ChoiceField(label="职称层级", choices=EXPERT_LEVELS)
    specialties = forms.ModelMultipleChoiceField(label="专业", queryset=Specialty.objects.none(), required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    employer = forms.ModelChoiceField(label="工作单位", queryset=Organisation.objects.filter(is_active=True))
    phone = forms.CharField(label="联系电话", max_length=11, required=False)
    term_start = _date_field("聘任期自")
    term_end = _date_field("聘任期至")
    training_notes = forms.CharField(label="培训记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    credit_notes = forms.CharField(label="诚信记录摘要", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, committee, expert: Expert | None = None, show_phone: bool = False, **kwargs):
        if expert is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "level": expert.level, "employer": expert.employer_id, "phone": expert.phone if show_phone else "",
                "term_start": expert.term_start, "term_end": expert.term_end,
                "training_notes": expert.training_notes, "credit_notes": expert.credit_notes,
                "specialties": [s.pk for s in expert.specialties.all()],
            }
        super().__init__(*args, **kwargs)
        self.fields["specialties"].queryset = Specialty.objects.filter(series=committee.series).order_by("name")
        if expert is None:
            self.fields["user"].required = True
            self.fields["user"].queryset = (User.objects.filter(role_memberships__role=Role.EXPERT,
                                                                role_memberships__organisation=committee.office,
                                                                expert__isnull=True).distinct().order_by("username"))
        else:
            del self.fields["user"]
            if not show_phone:  # masked for everyone but the expert: blank keeps the stored number
                self.fields["phone"].help_text = f"当前 {expert.phone_masked or '未填写'}；留空表示不修改"


class MeetingForm(forms.Form):
    plan = forms.ModelChoiceField(label="评审方案", queryset=ReviewPlan.objects.none())
    name = forms.CharField(label="会议名称", max_length=200)
    held_on = _date_field("会议日期")
    online = forms.BooleanField(label="网络评审", required=False)
    place = forms.CharField(label="会议地点", max_length=200, required=False)
    methods = forms.MultipleChoiceField(label="评审方式", choices=MeetingMethod.choices,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans


class GroupForm(forms.Form):
    name = forms.CharField(label="组名", max_length=100)
    level = forms.ChoiceField(label="评审层级", choices=Level.choices)
    specialty = forms.ModelChoiceField(label="专业", queryset=Specialty.objects.none(), required=False,
                                       help_text="留空表示按系列抽取")
    size = forms.IntegerField(label="抽取专家人数", min_value=1, max_value=99)
    directed = forms.BooleanField(label="双定向评审组", required=False)
    pass_rate_percent = forms.IntegerField(label="通过率上限（%）", min_value=0, max_value=100, required=False)

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].queryset = Specialty.objects.filter(series=meeting.committee.series).order_by("name")
        self.fields["level"].choices = [(v, label) for v, label in Level.choices if v in (meeting.plan.levels or [])]


class ConflictForm(forms.Form):
    applicant = forms.ModelChoiceField(label="申报人", queryset=User.objects.filter(
        role_memberships__role=Role.APPLICANT).distinct().order_by("pk"), required=False)
    organisation = forms.ModelChoiceField(label="单位", queryset=Organisation.objects.filter(is_active=True),
                                          required=False)
    reason = forms.CharField(label="回避事由", max_length=200)


class BreachForm(forms.Form):
    breach = forms.CharField(label="违纪情形", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="处理决定", choices=[c for c in DisciplineDecision.choices
                                                        if c[0] != DisciplineDecision.PENDING])
    suspended_until = _date_field("暂停至", required=False)
    note = forms.CharField(label="处理说明", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RecusalForm(forms.Form):
    declaration = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="回避事由", max_length=200)
