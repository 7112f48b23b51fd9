from . import navigation as nav
from . import permissions


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_memberships": []}
    sections = nav.sections_for(user)
    items = [{"label": s.label, "url": s.url} for s in sections]
    # The current section is the one whose address is the longest prefix of this page's.
    matches = [i for i in items if request.path.startswith(i["url"])]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for item in items:
        item["current"] = item is current
    return {"nav_items": items, "nav_memberships": permissions.memberships_of(user)}
