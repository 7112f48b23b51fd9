from django import template

from federation.adapter import danish_reason as _danish_reason

register = template.Library()


@register.filter
def danish_reason(reason: str | None) -> str:
    """python3-saml's reason for refusing a login response, in the portal's Danish."""
    return _danish_reason(reason)
