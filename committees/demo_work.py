"""Demo data for the meeting at work: the bureau's indicator menu for 工程系列 at every level, and the demo
meeting opened with every drawn expert present and the ballot open, so that ``expert`` (赵敏), ``expert01``
and ``expert02`` (and the other two drawn) can score in the workspace and cast their secret ballots; the
secretary then closes the ballot, signs the tally off and closes the meeting."""

from accounts.models import Role, RoleMembership
from titles.models import Level

from .models import IndicatorMenu, Meeting, MeetingStatus

DEMO_DIMENSIONS = [
    {"dimension": "morality", "weight": 10, "max_points": 10, "guidance": "政治素质、遵纪守法"},
    {"dimension": "ethics", "weight": 10, "max_points": 10, "guidance": "诚信、敬业，无学术不端"},
    {"dimension": "ability", "weight": 30, "max_points": 30, "guidance": "解决实际问题的能力"},
    {"dimension": "skill", "weight": 20, "max_points": 20, "works_over_counts": True,
     "guidance": "以代表性成果（设计文件、技术方案、项目报告）论，不以数量论"},
    {"dimension": "innovation", "weight": 20, "max_points": 20, "works_over_counts": True,
     "guidance": "创新成果、成果转化与推广应用"},
    {"dimension": "mentoring", "weight": 10, "max_points": 10, "guidance": "传帮带、培养青年技术人员"},
]


def load(organisations) -> None:
    from .scoring import save_menu
    from .voting import open_ballot, open_meeting, record_attendance

    bureau = RoleMembership.objects.filter(role=Role.BUREAU_REVIEWER, organisation=organisations["bureau"]).first()
    meeting = Meeting.objects.filter(committee__office=organisations["office"], status=MeetingStatus.DRAWN).first()
    if bureau is None or meeting is None or IndicatorMenu.objects.exists():
        return
    for level in sorted(set(meeting.committee.levels or []) | {Level.INTERMEDIATE}):
        save_menu(actor=bureau.user, series_id=meeting.committee.series_id, level=level,
                  name=f"{meeting.committee.series.name}系列{Level(level).label}职称评价指标", dimensions=DEMO_DIMENSIONS)
    secretary = RoleMembership.objects.filter(role=Role.COMMITTEE_SECRETARY, organisation=meeting.committee.office
                                              ).first().user
    open_meeting(actor=secretary, meeting_id=meeting.pk)
    for member in meeting.members.all():
        record_attendance(actor=secretary, meeting_id=meeting.pk, member_id=member.pk, present=True)
    open_ballot(actor=secretary, meeting_id=meeting.pk)
