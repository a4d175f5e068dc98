#!/usr/bin/env python3
# notify_listen.py — a stand-in for systemd's side of sd_notify(3) in the
# e2e tests: binds a unix datagram socket (a path, or @name for the abstract
# namespace) and appends one line per notification field to LOG, as
# "<monotonic seconds> <field>". With OUT given, a READY=1 line also says
# whether OUT already held the sensor's Started record when READY=1 came
# ("started=1" / "started=0"), which is the ordering systemd relies on.
#
# usage: notify_listen.py SOCKET LOG [OUT]
import os
import socket
import sys
import time

sock_name, log_path = sys.argv[1], sys.argv[2]
out_path = sys.argv[3] if len(sys.argv) > 3 else None

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
addr = "\0" + sock_name[1:] if sock_name.startswith("@") else sock_name
if not sock_name.startswith("@") and os.path.exists(sock_name):
    os.unlink(sock_name)
s.bind(addr)
with open(log_path, "a", buffering=1) as log:
    log.write("listening\n")
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        now = time.monotonic()
        for field in msg.split("\n"):
            if not field:
                continue
            extra = ""
            if field == "READY=1" and out_path:
                try:
                    with open(out_path) as f:
                        started = '"State":"Started"' in f.read()
                except OSError:
                    started = False
                extra = " started=%d" % started
            log.write("%.3f %s%s\n" % (now, field, extra))
