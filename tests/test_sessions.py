"""Server-side sessions: revoked at sign-out, expired after an idle time (observatoire/domain/sessions.py)."""
from observatoire.domain import sessions


def test_a_session_is_closed_at_sign_out(tmp_path):
    db = tmp_path / "sessions.sqlite"
    sid = sessions.session_id("cookie-value")
    assert sid != "cookie-value" and len(sid) == 64          # the cookie itself is never kept
    assert sessions.is_valid(db, sid, idle_s=7200, now=1000.0)
    sessions.revoke(db, sid, now=1001.0)
    assert not sessions.is_valid(db, sid, idle_s=7200, now=1002.0)
    assert sessions.is_valid(db, sessions.session_id("another"), idle_s=7200, now=1002.0)


def test_a_session_unused_too_long_expires(tmp_path):
    db = tmp_path / "sessions.sqlite"
    sid = sessions.session_id("cookie")
    assert sessions.is_valid(db, sid, idle_s=3600, now=0.0)
    assert sessions.is_valid(db, sid, idle_s=3600, now=3500.0)     # used 58 min later: still valid, touched
    assert sessions.is_valid(db, sid, idle_s=3600, now=7000.0)     # 58 min after that last use
    assert not sessions.is_valid(db, sid, idle_s=3600, now=10700.0)  # 61 min idle: expired
    assert not sessions.is_valid(db, sid, idle_s=3600, now=10701.0)  # and it stays closed
