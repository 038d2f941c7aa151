#!/usr/bin/env python3
"""The official Google Gen AI Python SDK (google-genai) through the gateway's google-ai-studio route.

Usage: google_genai_e2e.py CONFIG_JSON, with base_url (.../google-ai-studio), limited_url (a gateway limited to 1
request) and models (plain, stream, cached, error). The API key comes from GEMINI_API_KEY, as it would for any
user of the SDK; only http_options.base_url changes.

Cases: plain (generate_content), streamed (generate_content_stream: streamGenerateContent?alt=sse), cached (the
same request twice with cf-aig-cache-ttl through the request's http_options.headers) and error (a gateway-made 429
must raise google.genai.errors.ClientError with code, status and message). No retries (attempts=1).
Run by io.aigateway.local.OfficialSdkEndToEndTest.
"""
from sdk_e2e import CACHE_HEADERS, Arrivals, gateway_headers, run, until_refused

PROMPT = "Say hello"


def main(cfg):
    from google import genai
    from google.genai import errors, types

    models = cfg["models"]

    def client(base):
        return genai.Client(http_options=types.HttpOptions(
            base_url=base, timeout=30_000, retry_options=types.HttpRetryOptions(attempts=1)))

    plain_client, limited = client(cfg["base_url"]), client(cfg["limited_url"])
    out = {"sdk": "google-genai", "sdk_version": genai.__version__}

    def usage_of(response):
        return response.usage_metadata.model_dump(exclude_none=True) if response.usage_metadata else None

    def headers_of(response):
        http = response.sdk_http_response
        return gateway_headers(http.headers if http is not None else None)

    def generate(on, model, config=None):
        r = on.models.generate_content(model=model, contents=PROMPT, config=config)
        return {
            "model_version": r.model_version,
            "content": r.text,
            "finish_reason": r.candidates[0].finish_reason.value if r.candidates[0].finish_reason else None,
            "usage": usage_of(r),
            "headers": headers_of(r),
        }

    # 1. plain generateContent
    out["plain"] = generate(plain_client, models["plain"])

    # 2. streamed: streamGenerateContent?alt=sse; usage on every chunk, complete on the last
    arrivals, usage, chunks, finish_reason, headers = Arrivals(cfg["first_piece_url"]), None, 0, None, {}
    for chunk in plain_client.models.generate_content_stream(model=models["stream"], contents=PROMPT):
        chunks += 1
        arrivals.add(chunk.text)
        if chunk.usage_metadata is not None:
            usage = usage_of(chunk)
        if chunk.candidates and chunk.candidates[0].finish_reason:
            finish_reason = chunk.candidates[0].finish_reason.value
        headers = headers or headers_of(chunk)
    out["stream"] = dict(arrivals.describe(), chunks=chunks, finish_reason=finish_reason, usage=usage,
                         headers=headers)

    # 3. cached: the same request twice, cf-aig-cache-ttl through the request's own http_options.headers
    cache_config = types.GenerateContentConfig(http_options=types.HttpOptions(headers=CACHE_HEADERS))
    out["cached"] = [generate(plain_client, models["cached"], cache_config) for _ in range(2)]

    # 4. error: a gateway limited to 1 request answers 429 in Google's error shape
    def describe(e):
        return {"code": e.code, "status": e.status, "message": e.message, "details": e.details,
                "headers": gateway_headers(e.response.headers if e.response is not None else None)}

    out["error"] = until_refused(lambda: generate(limited, models["error"]), errors.ClientError, describe)
    return out


if __name__ == "__main__":
    run(main)
