#!/usr/bin/env python3
"""The official Groq Python SDK through the gateway: Groq(base_url=.../groq); the SDK appends /openai/v1 itself.

Usage: groq_e2e.py CONFIG_JSON, with base_url, limited_url (a gateway limited to 1 request) and models
(plain, stream, cached, error). The API key comes from GROQ_API_KEY, as it would for any user of the SDK.

Cases: plain (with_raw_response, to read the gateway's headers), streamed (without stream_options: Groq reports
the usage in x_groq of the last chunk), cached (the same request twice with cf-aig-cache-ttl through extra_headers)
and error (a gateway-made 429 must raise groq.RateLimitError). max_retries=0 throughout.
Run by io.aigateway.local.OfficialSdkEndToEndTest.
"""
from sdk_e2e import CACHE_HEADERS, Arrivals, gateway_headers, run, until_refused

PROMPT = [{"role": "user", "content": "Say hello"}]


def main(cfg):
    import groq

    models = cfg["models"]
    client = groq.Groq(base_url=cfg["base_url"], max_retries=0, timeout=30.0)
    limited = groq.Groq(base_url=cfg["limited_url"], max_retries=0, timeout=30.0)
    out = {"sdk": "groq", "sdk_version": groq.__version__}

    def create(on, model, **kwargs):
        raw = on.chat.completions.with_raw_response.create(model=model, messages=PROMPT, **kwargs)
        c = raw.parse()
        return {
            "id": c.id,
            "model": c.model,
            "content": c.choices[0].message.content,
            "finish_reason": c.choices[0].finish_reason,
            "usage": c.usage.model_dump(),
            "x_groq_id": c.x_groq.id if c.x_groq is not None else None,
            "headers": gateway_headers(raw.headers),
        }

    # 1. plain chat completion
    out["plain"] = create(client, models["plain"])

    # 2. streamed chat completion; usage in x_groq of the last chunk
    arrivals, usage, chunks, finish_reason = Arrivals(cfg["first_piece_url"]), None, 0, None
    stream = client.chat.completions.create(model=models["stream"], messages=PROMPT, stream=True)
    for chunk in stream:
        chunks += 1
        if chunk.x_groq is not None and chunk.x_groq.usage is not None:
            usage = chunk.x_groq.usage.model_dump()
        for choice in chunk.choices:
            arrivals.add(choice.delta.content)
            if choice.finish_reason is not None:
                finish_reason = choice.finish_reason
    out["stream"] = dict(arrivals.describe(), chunks=chunks, finish_reason=finish_reason, usage=usage,
                         headers=gateway_headers(stream.response.headers))

    # 3. cached: the same request twice, cf-aig-cache-ttl through extra_headers
    out["cached"] = [create(client, models["cached"], extra_headers=CACHE_HEADERS) for _ in range(2)]

    # 4. error: a gateway limited to 1 request answers 429 in the OpenAI-compatible error shape
    def describe(e):
        return {"status": e.status_code, "body": e.body, "message": e.message,
                "headers": gateway_headers(e.response.headers)}

    out["error"] = until_refused(lambda: create(limited, models["error"]), groq.RateLimitError, describe)
    return out


if __name__ == "__main__":
    run(main)
