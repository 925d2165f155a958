"""One-off migration of stored chat sessions to the 0.3 format."""

import json
import sys


def migrate(path):
    with open(path) as handle:
        sessions = json.load(handle)
    for session in sessions:
        session.setdefault("version", 3)
    print "migrated %d sessions" % len(sessions)
    return sessions


if __name__ == "__main__":
    migrate(sys.argv[1])
