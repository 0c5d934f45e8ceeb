#!/usr/bin/env python3
"""A tiny HTTP/1.1 upstream that reads each request body to the end and throws it away.

    upload_sink.py PORT

Answers 200 with "received N\n" after the whole body (Content-Length or chunked) has arrived,
so a proxy that buffers the body shows it in its own memory, not here.
"""
import asyncio
import sys


async def read_chunked(reader):
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return total
        remaining = size
        while remaining:
            data = await reader.read(min(remaining, 1 << 20))
            if not data:
                raise ConnectionError("body ended early")
            remaining -= len(data)
        await reader.readexactly(2)
        total += size


async def handle(reader, writer):
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length, chunked = 0, False
            for line in head.decode("latin-1").split("\r\n")[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            if chunked:
                received = await read_chunked(reader)
            else:
                received, remaining = 0, length
                while remaining:
                    data = await reader.read(min(remaining, 1 << 20))
                    if not data:
                        return
                    remaining -= len(data)
                    received += len(data)
            body = b"received %d\n" % received
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), limit=1 << 20)
    async with server:
        await server.serve_forever()


asyncio.run(main())
