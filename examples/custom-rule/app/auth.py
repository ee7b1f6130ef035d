"""Login and logout: both send the user on to where they were going."""

from urllib.parse import urlparse

from flask import Blueprint, redirect, request, session, url_for

from app.users import check_password

auth = Blueprint("auth", __name__)


@auth.post("/login")
def login():
    user_id = check_password(request.form["email"], request.form["password"])
    if user_id is None:
        return redirect(url_for("auth.login_form", failed=1))
    session["user_id"] = user_id
    # The team rule flags this line: `next` can be any site at all.
    return redirect(request.args.get("next") or url_for("orders.index"))


@auth.post("/logout")
def logout():
    session.clear()
    target = request.args.get("next", "/")
    if urlparse(target).netloc:  # only paths on this site
        target = "/"
    return redirect(target)
