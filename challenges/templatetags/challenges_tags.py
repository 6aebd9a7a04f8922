"""Figures of the challenges app for pages rendered by other apps (the company's start page)."""

from django import template

from challenges import selectors

register = template.Library()


@register.simple_tag
def company_summary(partner):
    """`{% company_summary partner as summary %}`: points, end customers, open claims."""
    return selectors.partner_summary(partner)
