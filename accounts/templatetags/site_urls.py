"""{% fixed_url "view-name" %}: the {% url %} tag for addresses without arguments, from the cache of
accounts.urlcache (the page frame's links, on every page)."""

from __future__ import annotations

from django import template

from accounts.urlcache import reverse_fixed

register = template.Library()


@register.simple_tag
def fixed_url(viewname: str) -> str:
    return reverse_fixed(viewname)
