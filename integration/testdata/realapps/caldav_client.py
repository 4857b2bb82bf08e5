"""CalDAV session for the real-application tests, run with the system
Python against a server under test: python3-caldav (Debian's package)
logs in, makes a calendar, uploads an event, renames the calendar, and a
second session reads both back. Prints one JSON object of what it saw;
the Go test judges it."""

import argparse
import datetime
import json
import sys

import caldav
from caldav.elements import dav
from caldav.lib import error

p = argparse.ArgumentParser()
p.add_argument("--url", required=True)
p.add_argument("--user", default=None)
p.add_argument("--password", default=None)
p.add_argument("--cacert", default=None)
p.add_argument("--uid", required=True)
p.add_argument("--calendar", required=True, help="id of the calendar to make")
p.add_argument("--wrong-password", action="store_true", help="first check that a wrong password is refused")
p.add_argument("--move", action="store_true", help="MOVE the event, with the Destination a client sends")
a = p.parse_args()

EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//mod_wsgi-express tests//EN
BEGIN:VEVENT
UID:%(uid)s
DTSTAMP:20240102T030405Z
DTSTART:20240110T100000Z
DTEND:20240110T110000Z
SUMMARY:Launch review %(uid)s
END:VEVENT
END:VCALENDAR
"""


def client(password):
    return caldav.DAVClient(a.url, username=a.user, password=password,
                            ssl_verify_cert=a.cacert or True)


out = {}
if a.wrong_password:
    try:
        client(a.password + "-wrong").principal()
        out["wrong_password"] = "accepted"
    except error.AuthorizationError as e:
        out["wrong_password"] = "refused: %s" % (e.reason,)

with client(a.password) as c:
    try:
        principal = c.principal()
        out["login"] = "accepted"
    except error.AuthorizationError as e:
        out["login"] = "refused: %s" % (e.reason,)
        json.dump(out, sys.stdout)
        print()
        sys.exit(0)
    out["principal"] = str(principal.url)
    cal = principal.make_calendar(name="Team meetings", cal_id=a.calendar)
    out["calendar"] = str(cal.url)
    event = cal.save_event(EVENT % {"uid": a.uid})
    out["event"] = str(event.url)
    cal.set_properties([dav.DisplayName("Team meetings (renamed)")])

# A second session reads back what the first wrote.
with client(a.password) as c:
    cals = [x for x in c.principal().calendars() if str(x.url) == out["calendar"]]
    out["calendars_found"] = len(cals)
    if cals:
        cal = cals[0]
        out["displayname"] = cal.get_property(dav.DisplayName())
        event = cal.event_by_uid(a.uid)
        out["summary"] = str(event.vobject_instance.vevent.summary.value)
        found = cal.date_search(datetime.datetime(2024, 1, 9), datetime.datetime(2024, 1, 11))
        out["date_search"] = len(found)
        if a.move:
            dest = cal.url.join("moved-%s.ics" % a.uid)
            r = c.request(str(event.url), "MOVE", "", {"Destination": str(dest), "Overwrite": "F"})
            out["move_status"] = r.status
            if r.status in (201, 204):
                moved = caldav.Event(client=c, url=dest, parent=cal)
                moved.load()
                out["moved_summary"] = str(moved.vobject_instance.vevent.summary.value)

json.dump(out, sys.stdout)
print()
