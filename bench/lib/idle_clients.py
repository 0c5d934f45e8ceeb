#!/usr/bin/env python3
"""Opens COUNT keep-alive connections, completes one GET on each, then holds them all idle.

    idle_clients.py PORT PATH COUNT [CONCURRENCY]

Prints "ready N statuses=..." once every connection has its response, then sleeps until it is
terminated (the sockets close with the process). With COUNT connections opened CONCURRENCY at
a time the proxy's upstream pool stays small, so the proxy's memory growth is the downstream
connections'.
"""
import asyncio
import collections
import resource
import sys


async def open_one(port, request, held, statuses, gate):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        statuses[lines[0].split(" ")[1]] += 1
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        held.append((reader, writer))


async def main():
    port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
    request = ("GET %s HTTP/1.1\r\nHost: bench\r\n\r\n" % path).encode()
    held, statuses = [], collections.Counter()
    gate = asyncio.Semaphore(concurrency)
    await asyncio.gather(*(open_one(port, request, held, statuses, gate) for _ in range(count)))
    print("ready %d statuses=%s" % (len(held), dict(statuses)), flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
