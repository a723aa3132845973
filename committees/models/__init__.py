"""The committees app's models: the committee and its filing, expert pools, meetings and draws
(scoring and voting add ``scoring.py`` and ``voting.py``)."""

from .committee import Committee
from .meetings import (
    Assignment,
    Draw,
    Meeting,
    MeetingGroup,
    MeetingMember,
    MeetingMethod,
    MeetingStatus,
    Recusal,
)
from .pools import (
    EXPERT_LEVELS,
    DisciplineDecision,
    DisciplineRecord,
    Expert,
    ExpertConflict,
    ExpertPool,
    ExpertStatus,
    PoolMembership,
)
from .scoring import DefenceSession, Dimension, IndicatorDimension, IndicatorMenu, Score, ScoreKind
from .voting import Attendance, Ballot, BallotBox, Choice, Tally, VoterRoll

__all__ = [
    "EXPERT_LEVELS", "Assignment", "Committee", "DisciplineDecision", "DisciplineRecord", "Draw", "Expert",
    "ExpertConflict", "ExpertPool", "ExpertStatus", "Meeting", "MeetingGroup", "MeetingMember", "MeetingMethod",
    "MeetingStatus", "PoolMembership", "Recusal",
    "Attendance", "Ballot", "BallotBox", "Choice", "DefenceSession", "Dimension", "IndicatorDimension",
    "IndicatorMenu", "Score", "ScoreKind", "Tally", "VoterRoll",
]
