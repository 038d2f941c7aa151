#!/usr/bin/env python3
"""The official Anthropic Python SDK through the gateway, changed in nothing but base_url.

Usage: anthropic_e2e.py CONFIG_JSON, with base_url, limited_url (a gateway limited to 1 request) and models
(plain, stream, cached, error). The API key comes from ANTHROPIC_API_KEY, as it would for any user of the SDK.

Cases: plain (with_raw_response, to read the gateway's headers), streamed (the SDK's messages.stream helper),
cached (the same request twice with cf-aig-cache-ttl through extra_headers) and error (a gateway-made 429 must
raise anthropic.RateLimitError). max_retries=0 throughout. Run by io.aigateway.local.OfficialSdkEndToEndTest.
"""
from sdk_e2e import CACHE_HEADERS, Arrivals, gateway_headers, run, until_refused

PROMPT = [{"role": "user", "content": "Say hello"}]


def text_of(message):
    return "".join(block.text for block in message.content if block.type == "text")


def main(cfg):
    import anthropic

    models = cfg["models"]
    client = anthropic.Anthropic(base_url=cfg["base_url"], max_retries=0, timeout=30.0)
    limited = anthropic.Anthropic(base_url=cfg["limited_url"], max_retries=0, timeout=30.0)
    out = {"sdk": "anthropic", "sdk_version": anthropic.__version__}

    def create(on, model, **kwargs):
        raw = on.messages.with_raw_response.create(model=model, max_tokens=256, messages=PROMPT, **kwargs)
        message = raw.parse()
        return {
            "id": message.id,
            "model": message.model,
            "content": text_of(message),
            "stop_reason": message.stop_reason,
            "usage": message.usage.model_dump(),
            "headers": gateway_headers(raw.headers),
        }

    # 1. plain message
    out["plain"] = create(client, models["plain"])

    # 2. streamed message through the SDK's stream helper
    arrivals = Arrivals(cfg["first_piece_url"])
    with client.messages.stream(model=models["stream"], max_tokens=256, messages=PROMPT) as stream:
        for text in stream.text_stream:
            arrivals.add(text)
        final = stream.get_final_message()
        headers = gateway_headers(stream.response.headers)
    out["stream"] = dict(arrivals.describe(), id=final.id, model=final.model, final_content=text_of(final),
                         stop_reason=final.stop_reason, usage=final.usage.model_dump(), headers=headers)

    # 3. cached: the same request twice, cf-aig-cache-ttl through extra_headers
    out["cached"] = [create(client, models["cached"], extra_headers=CACHE_HEADERS) for _ in range(2)]

    # 4. error: a gateway limited to 1 request answers 429 in Anthropic's error shape
    def describe(e):
        return {"status": e.status_code, "body": e.body, "message": e.message,
                "headers": gateway_headers(e.response.headers)}

    out["error"] = until_refused(lambda: create(limited, models["error"]), anthropic.RateLimitError, describe)
    return out


if __name__ == "__main__":
    run(main)
