"""Shared by the complaints tests and their browser tests: a desk scheme that counts
complaints and satisfaction, and shortcuts through the complaint workflow."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from complaints.models import Complaint
from complaints.services import complaint_decide, complaint_investigate, complaint_receive
from scoring.services import standing_compute
from tests.schemes import import_yaml

DESK_SCHEME = """
code: desk-monthly
name: 客服月度考核
period: monthly
method: deduction
applies_to: {positions: [客服员]}
categories:
  - {code: CMP, name: 客户投诉, max: 20, complaints: {deduct_per_valid: 2, levels: {分行: 5}}}
  - {code: SAT, name: 满意度, max: 30, satisfaction: {target_rate: 90, deduct_per_point: 2}}
"""
FULL_SCORE = Decimal(50)


def desk_scheme_import():
    return import_yaml(DESK_SCHEME)


def result_of(scheme, person, day: date | None = None):
    _bounds, outcome = standing_compute(scheme=scheme, day=day or timezone.localdate())
    return next(r for r in outcome.results if r.staff_id == person.pk)


def score_of(scheme, person, day: date | None = None) -> Decimal:
    return result_of(scheme, person, day).score


def receive(person=None, *, day: date | None = None, actor=None, **fields) -> Complaint:
    values = {
        "channel": Complaint.Channel.PHONE,
        "content": "办理业务时态度生硬，不耐烦。",
        "received_on": day or timezone.localdate(),
        "staff": person,
        "complainant_name": "赵女士",
        "complainant_contact": "13800138000",
    }
    return complaint_receive(**(values | fields), actor=actor)


def decided(person, *, actor, valid: bool = True, **fields) -> Complaint:
    complaint = receive(person, actor=actor, **fields)
    complaint = complaint_investigate(complaint=complaint, actor=actor)
    return complaint_decide(complaint=complaint, valid=valid, reason="经调查属实", actor=actor)
