"""A TCP proxy that adds a round-trip latency: every byte is delayed by RTT/2 in each direction
(order kept, no bandwidth limit), as a WAN link between a laptop and a grid storage element.

    python3 bench/latency_proxy.py --listen 127.0.0.1:0 --to 127.0.0.1:1094 --rtt-ms 10
    # prints "listening on 127.0.0.1:PORT" on its first line, then serves until killed

Used by bench/remote_bench.sh for the remote-reading benchmark (issue #15).
"""

import argparse
import asyncio
import sys
import time


async def pipe(reader, writer, delay):
    """Copy reader → writer, each chunk sent `delay` seconds after it arrived."""
    queue = asyncio.Queue()

    async def pump():
        while True:
            data = await reader.read(1 << 16)
            await queue.put((time.monotonic(), data))
            if not data:
                return

    async def send():
        while True:
            at, data = await queue.get()
            wait = at + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                try:
                    writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(pump(), send())
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--to", required=True, help="HOST:PORT of the server")
    p.add_argument("--rtt-ms", type=float, default=10.0)
    a = p.parse_args()
    lhost, lport = a.listen.rsplit(":", 1)
    thost, tport = a.to.rsplit(":", 1)
    delay = a.rtt_ms / 2000.0

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(thost, int(tport))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay)
        )

    server = await asyncio.start_server(handle, lhost, int(lport))
    host, port = server.sockets[0].getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
