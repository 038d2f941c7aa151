"""What the official-SDK scripts share: reading the test's arguments, printing the result, timing streams.

Each script is run by io.aigateway.local.OfficialSdkEndToEndTest as `python3 SCRIPT CONFIG_JSON`, talks to the
gateway through one SDK exactly as a user would (only the base URL changed, gateway headers through the SDK's own
extra-headers mechanism), and prints one JSON line with what the SDK handed back; any exception fails the script.
Every config has first_piece_url, where a streamed case reports its first piece (see Arrivals).
"""
import json
import sys
import time
import traceback
import urllib.request

# cf-aig-* headers the cached case sends, through each SDK's own extra-headers mechanism
CACHE_HEADERS = {"cf-aig-cache-ttl": "300"}


def run(main):
    """Calls main(config) with the JSON config in argv[1], prints its result as one JSON line."""
    try:
        if len(sys.argv) != 2:
            print("usage: " + sys.argv[0] + " CONFIG_JSON", file=sys.stderr)
            sys.exit(2)
        out = main(json.loads(sys.argv[1]))
        print(json.dumps(out, default=str), flush=True)
        sys.exit(0)
    except Exception:  # noqa: BLE001 - any failure of the SDK is the test's failure
        traceback.print_exc()
        sys.exit(1)


def header(headers, name):
    """A response header, whatever the mapping type and its key case; None when absent."""
    if headers is None:
        return None
    name = name.lower()
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def gateway_headers(headers):
    """The gateway's own response headers (cf-aig-*, Retry-After, RateLimit-*), for the test to check."""
    wanted = ("cf-aig-", "retry-after", "ratelimit-")
    return {k.lower(): v for k, v in (headers or {}).items() if k.lower().startswith(wanted)}


class Arrivals:
    """The pieces of a streamed answer, as the SDK handed them over.

    The stub holds the rest of a stream back after its first piece until told, on report_url (outside the SDK),
    that the SDK handed that piece over: proof that the gateway passed the stream on piece by piece.
    """

    def __init__(self, report_url):
        self.report_url = report_url
        self.parts = []
        self.times = []

    def add(self, text):
        if text:
            if not self.parts:
                urllib.request.urlopen(urllib.request.Request(self.report_url, data=b"", method="POST"), timeout=10)
            self.parts.append(text)
            self.times.append(time.monotonic())

    def describe(self):
        return {
            "content": "".join(self.parts),
            "content_chunks": len(self.parts),
            "first_to_last_ms": round((self.times[-1] - self.times[0]) * 1000) if len(self.times) > 1 else 0,
        }


def until_refused(call, error_class, describe):
    """Calls `call` until the SDK raises error_class (its own typed error), at most 3 times.

    The limited gateway admits 1 request per window; a window boundary between calls may admit one more. Any other
    exception propagates and fails the script, which is the point: the SDK must raise its own typed error.
    """
    admitted = 0
    for _ in range(3):
        try:
            call()
            admitted += 1
        except error_class as e:
            out = describe(e)
            out["class"] = type(e).__module__ + "." + type(e).__qualname__
            out["admitted_before"] = admitted
            return out
    raise AssertionError("no " + error_class.__name__ + " after 3 calls to a gateway limited to 1 request")
