#!/usr/bin/env python3
"""A deliberately misbehaving SMTP server for tests/integration/probe.sh: the cases the fixture
server cannot produce (malformed replies, resets, octets injected after STARTTLS's 220,
plaintext instead of TLS, a TLS 1.3-only server, no 221 to QUIT, a fatal alert, IPv6).

usage: hostile_smtp.py CERT KEY READYFILE [BIGCERT BIGKEY]
BIGCERT: a chain over 16 KB (case 11: mbedTLS 2.28 cannot take it, the client's limit).
Listens on 127.65.3.N:2525 (one behaviour per N, see CASES) and on [::1] with a port the
kernel picks; writes that port to READYFILE once every listener is bound. Runs until killed.
"""
import asyncio
import os
import socket
import ssl
import struct
import sys

CERT, KEY, READY = sys.argv[1:4]
BIGCERT, BIGKEY = (sys.argv[4:6] + [None, None])[:2]


def tls_context(**kw):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(kw.get("cert", CERT), kw.get("key", KEY))
    ctx.minimum_version = kw.get("min", ssl.TLSVersion.TLSv1_2)
    ctx.maximum_version = kw.get("max", ssl.TLSVersion.TLSv1_2)
    return ctx


async def read_line(reader):
    line = await reader.readline()
    if not line:
        raise ConnectionError("client closed")
    return line


async def ehlo_with_starttls(reader, writer, greeting=b"220 hostile.test ESMTP\r\n"):
    writer.write(greeting)
    await read_line(reader)  # EHLO
    writer.write(b"250-hostile.test\r\n250 STARTTLS\r\n")
    await read_line(reader)  # STARTTLS


async def tls_then_quit(reader, writer, ctx, prefix=b"220 Go ahead\r\n"):
    """Handshake, then answer QUIT with "221 sni=NAME" (or "sni=none") so the test sees the
    server_name the client sent."""
    seen = {"sni": "none"}

    def on_sni(sslobj, name, _ctx):
        if name:
            seen["sni"] = name

    ctx.sni_callback = on_sni
    writer.write(prefix)
    await writer.drain()
    await writer.start_tls(ctx)
    await read_line(reader)  # QUIT
    writer.write(b"221 sni=" + seen["sni"].encode() + b"\r\n")
    await writer.drain()


async def garbage_greeting(reader, writer):
    writer.write(b"hello, I am not SMTP\r\n")
    await reader.read(100)


async def close_in_ehlo(reader, writer):
    writer.write(b"220 hostile.test ESMTP\r\n")
    await read_line(reader)


async def injected_after_220(reader, writer):
    await ehlo_with_starttls(reader, writer)
    # RFC 3207 5: whatever follows the 220 in clear must not be taken as a reply.
    await tls_then_quit(reader, writer, tls_context(), b"220 Go ahead\r\n250 injected\r\n")


async def plaintext_instead_of_tls(reader, writer):
    await ehlo_with_starttls(reader, writer)
    writer.write(b"220 Go ahead\r\n")
    await writer.drain()
    await reader.read(1)  # the ClientHello arrives
    writer.write(b"454 4.7.0 TLS not available after all\r\n")
    await writer.drain()
    await reader.read(100)


async def long_line_and_nul(reader, writer):
    writer.write(b"220-hostile.test \x00 first\r\n220-" + b"x" * 1500 + b"\r\n220 end\r\n")
    await read_line(reader)
    writer.write(b"250-hostile.test\r\n250 SIZE 1000\r\n")
    await read_line(reader)  # QUIT
    writer.write(b"221 bye\r\n")


async def mismatched_codes(reader, writer):
    writer.write(b"220-hostile.test\r\n250 surprise\r\n")
    await reader.read(100)


async def reset_in_greeting(reader, writer):
    writer.write(b"220-hostile.test half a greeting\r\n")
    await writer.drain()
    await asyncio.sleep(0.3)  # let the client read the half greeting first
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def tls13_only(reader, writer):
    await ehlo_with_starttls(reader, writer)
    ctx = tls_context(min=ssl.TLSVersion.TLSv1_3, max=ssl.TLSVersion.TLSv1_3)
    await tls_then_quit(reader, writer, ctx)


async def alert_after_hello(reader, writer):
    """Answers the ClientHello with a fatal internal_error(80) alert (OpenSMTPD on Debian 12
    sends one after its Certificate), so the client must name it."""
    await ehlo_with_starttls(reader, writer)
    writer.write(b"220 Go ahead\r\n")
    await writer.drain()
    await reader.read(5)  # the start of the ClientHello
    writer.write(b"\x15\x03\x03\x00\x02\x02\x50")
    await writer.drain()
    await asyncio.sleep(0.2)


async def mute_after_quit(reader, writer):
    await ehlo_with_starttls(reader, writer)
    writer.write(b"220 Go ahead\r\n")
    await writer.drain()
    await writer.start_tls(tls_context())
    await read_line(reader)  # QUIT, never answered
    await asyncio.sleep(30)


async def big_chain(reader, writer):
    """A Certificate message over 16 KB: OpenSSL splits it over two records, as TLS allows."""
    await ehlo_with_starttls(reader, writer)
    await tls_then_quit(reader, writer, tls_context(cert=BIGCERT, key=BIGKEY))


async def hostile_names(reader, writer):
    """Control characters (ESC, BEL, C1 CSI, DEL), a NUL and invalid UTF-8 in the greeting and EHLO
    words: terminal injection for whoever reads the outputs raw."""
    await ehlo_with_starttls(reader, writer,
                             b"220 evil\x1b[31m\x07\x00.test\xc2\x9b2J\x7f\xff ESMTP\r\n")
    writer.write(b"220 Go ahead\r\n")
    await writer.drain()
    await reader.read(100)


async def hostile_names_ehlo(reader, writer):
    writer.write(b"220 fine.test ESMTP\r\n")
    await read_line(reader)  # EHLO
    writer.write(b"250-ehlo\x1b]0;pwned\x07.test hi\r\n250 SIZE 1000\r\n")
    await read_line(reader)  # QUIT
    writer.write(b"221 bye\r\n")


async def ipv6_ok(reader, writer):
    await ehlo_with_starttls(reader, writer)
    await tls_then_quit(reader, writer, tls_context())


CASES = {
    1: garbage_greeting,
    2: close_in_ehlo,
    3: injected_after_220,
    4: plaintext_instead_of_tls,
    5: long_line_and_nul,
    6: mismatched_codes,
    7: reset_in_greeting,
    8: tls13_only,
    9: mute_after_quit,
    10: alert_after_hello,
    11: big_chain,
    12: hostile_names,
    13: hostile_names_ehlo,
}


def handler(case):
    async def run(reader, writer):
        try:
            await case(reader, writer)
            await writer.drain()
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            if not writer.transport.is_closing():
                writer.close()
    return run


async def main():
    servers = []
    for n, case in CASES.items():
        if case is big_chain and not BIGCERT:
            continue
        servers.append(await asyncio.start_server(handler(case), f"127.65.3.{n}", 2525))
    v6 = await asyncio.start_server(handler(ipv6_ok), "::1", 0)
    servers.append(v6)
    port = v6.sockets[0].getsockname()[1]
    with open(READY + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.rename(READY + ".tmp", READY)
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main())
