"""Figures of the credits app for pages rendered by other apps (the company's start page)."""

from django import template

from credits.selectors.pages import partner_cap_bars

register = template.Library()


@register.simple_tag
def cap_bars(partner):
    """`{% cap_bars partner as bars %}`: the partner's progress towards its three caps."""
    return partner_cap_bars(partner)
