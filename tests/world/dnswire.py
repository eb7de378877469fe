"""A minimal DNS query over UDP, only to tell whether the world's resolver is answering yet.
The tests check records with drill (a reference tool), not with this."""
import os
import socket
import struct

TYPES = {"A": 1, "MX": 15, "PTR": 12, "AAAA": 28, "TXT": 16}


def query(ip, port, name, qtype="A", timeout=1.0):
    """Returns the reply's rcode, or None when no matching reply came within timeout."""
    qid = struct.unpack("!H", os.urandom(2))[0]
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode("ascii")
    q += b"\x00" + struct.pack("!HH", TYPES[qtype], 1)
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, (ip, port))
        try:
            while True:
                data, _ = s.recvfrom(4096)
                if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                    return data[3] & 0x0F
        except socket.timeout:
            return None
