"""dnswire.py — the DNS wire format (RFC 1035, 4.1) that the e2e tests'
clients and their loopback responder (lib.bash: dns_responder) speak.
lib.bash puts this folder on PYTHONPATH, so a test's Python says
`from dnswire import query`."""
import struct


def name(n):
    """A dotted name as length-prefixed labels, ending at the root."""
    return b''.join(bytes([len(l)]) + l.encode() for l in n.split('.')) + b'\0'


def query(n, qid=0x5151):
    """A standard query, recursion desired, for the A record of n (IN)."""
    return struct.pack('>HHHHHH', qid, 0x0100, 1, 0, 0, 0) + name(n) + struct.pack('>HH', 1, 1)
