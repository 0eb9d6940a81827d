"""A commune's network between the browser and the portal, run as its own process by the offline
desk's browser tests: `python tests/peers/unreliable.py <port> <control port> <portal host:port>`.
The browser opens the portal through <port>; the test steers the link on <control port>:

- `POST /down`, `POST /up`: the link gone (each connection closed as soon as it opens) or back;
- `POST /cut-request?path=<part>&times=<n>`: the next n requests whose path contains <part> lose
  the link mid-upload: their head and half their body reach the portal, then both sides close;
- `POST /cut-response?path=<part>&times=<n>`: the next n such requests reach the portal whole,
  and its answer is lost on the way back (the portal did the work; the browser never hears);
- `GET /log`: each request that went through, as `[method, path, what happened]`.

One request per connection (the portal is asked to close after answering), so that a cut falls on
exactly the request it names."""

import asyncio
import json
import sys
from urllib.parse import parse_qs, urlsplit

PORT, CONTROL, UPSTREAM = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
HOST, UP_PORT = UPSTREAM.rsplit(":", 1)

state: dict = {"up": True, "cuts": []}  # cuts: [mode, path part, times left]
log: list[list[str]] = []


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes, str, str]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.split(":", 1)[0].strip().lower()
        if name == "content-length":
            length = int(line.split(":", 1)[1])
        if name in ("connection", "keep-alive") or not line:
            continue
        kept.append(line)
    body = await reader.readexactly(length) if length else b""
    return ("\r\n".join([*kept, "Connection: close", "", ""])).encode("latin-1"), body, method, path


def take_cut(path: str) -> str:
    for cut in state["cuts"]:
        mode, part, left = cut
        if part in path and left > 0:
            cut[2] -= 1
            return mode
    return ""


async def relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
    try:
        if not state["up"]:
            return
        try:
            head, body, method, path = await read_request(client_reader)
        except (asyncio.IncompleteReadError, ValueError, ConnectionError):
            return
        cut = take_cut(path)
        log.append([method, path, cut or "passed"])
        up_reader, up_writer = await asyncio.open_connection(HOST, int(UP_PORT))
        try:
            if cut == "cut-request":
                up_writer.write(head + body[: len(body) // 2])
                await up_writer.drain()
                await asyncio.sleep(0.2)
                return
            up_writer.write(head + body)
            await up_writer.drain()
            answer = await up_reader.read()  # to the end: the portal closes after answering
            if cut == "cut-response" or not state["up"]:
                return
            client_writer.write(answer)
            await client_writer.drain()
        finally:
            up_writer.close()
    finally:
        client_writer.close()


async def control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        _head, _body, _method, path = await read_request(reader)
    except (asyncio.IncompleteReadError, ValueError):
        writer.close()
        return
    url = urlsplit(path)
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    answer: object = "ok"
    if url.path == "/down":
        state["up"] = False
    elif url.path == "/up":
        state["up"] = True
    elif url.path in ("/cut-request", "/cut-response"):
        state["cuts"].append([url.path[1:], query["path"], int(query.get("times", "1"))])
    elif url.path == "/log":
        answer = log
    data = json.dumps(answer).encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n")
    writer.write(f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    await writer.drain()
    writer.close()


async def main() -> None:
    proxy = await asyncio.start_server(relay, "127.0.0.1", PORT)
    steering = await asyncio.start_server(control, "127.0.0.1", CONTROL)
    print("ready", flush=True)
    async with proxy, steering:
        await asyncio.gather(proxy.serve_forever(), steering.serve_forever())


if __name__ == "__main__":
    asyncio.run(main())
