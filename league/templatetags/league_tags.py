"""The league table for pages rendered by other apps (the company's start page)."""

from django import template

from league.dashboard import partner_dashboard

register = template.Library()


@register.simple_tag
def partner_standing(partner):
    """`{% partner_standing partner as standing %}`: rank, gaps, suggestions, points chart."""
    return partner_dashboard(partner)
