#!/usr/bin/env python3
"""The official OpenAI Python SDK through the gateway: OpenAI (base_url) or AzureOpenAI (azure_endpoint).

Usage: openai_e2e.py CONFIG_JSON: {"openai": {...}, "azure": {...}}, one run per entry (one process: the SDK is
imported once), each with
  flavour         "openai" (OpenAI(base_url=...)) or "azure" (AzureOpenAI(azure_endpoint=..., azure_deployment=...))
  base_url        the gateway route: .../openai, or .../azure-openai/{resource} for Azure
  limited_url     the same route on a gateway limited to 1 request
  api_version     Azure only
  models          plain, stream, cached, error (and metadata for openai): a model (Azure: deployment) per case
The API key comes from OPENAI_API_KEY or AZURE_OPENAI_API_KEY, as it would for any user of the SDK.

Cases: plain (with_raw_response, to read the gateway's headers), streamed (usage in the last chunk), metadata
(cf-aig-metadata through default_headers, openai only), cached (the same request twice with cf-aig-cache-ttl
through extra_headers) and error (a gateway-made 429 must raise openai.RateLimitError). max_retries=0 throughout.
Run by io.aigateway.local.OfficialSdkEndToEndTest.
"""
import json

from sdk_e2e import CACHE_HEADERS, Arrivals, gateway_headers, run, until_refused

PROMPT = [{"role": "user", "content": "Say hello"}]


def main(runs):
    return {name: run_flavour(cfg) for name, cfg in runs.items()}


def run_flavour(cfg):
    import openai

    flavour, models = cfg["flavour"], cfg["models"]

    def client(base, model, **extra):
        if flavour == "azure":
            return openai.AzureOpenAI(azure_endpoint=base, azure_deployment=model, api_version=cfg["api_version"],
                                      max_retries=0, timeout=30.0, **extra)
        return openai.OpenAI(base_url=base, max_retries=0, timeout=30.0, **extra)

    def completion(raw):
        c = raw.parse()
        return {
            "id": c.id,
            "model": c.model,
            "content": c.choices[0].message.content,
            "finish_reason": c.choices[0].finish_reason,
            "usage": c.usage.model_dump(),
            "headers": gateway_headers(raw.headers),
        }

    def create(model, base=cfg["base_url"], **kwargs):
        return completion(client(base, model).chat.completions.with_raw_response.create(
            model=model, messages=PROMPT, **kwargs))

    out = {"sdk": "openai", "flavour": flavour, "sdk_version": openai.__version__}

    # 1. plain chat completion
    out["plain"] = create(models["plain"])

    # 2. streamed chat completion, usage in the last chunk
    arrivals, usage, chunks, finish_reason = Arrivals(cfg["first_piece_url"]), None, 0, None
    stream = client(cfg["base_url"], models["stream"]).chat.completions.create(
        model=models["stream"], messages=PROMPT, stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage.model_dump()
        for choice in chunk.choices:
            if choice.delta is not None:
                arrivals.add(choice.delta.content)
            if choice.finish_reason is not None:
                finish_reason = choice.finish_reason
    out["stream"] = dict(arrivals.describe(), chunks=chunks, finish_reason=finish_reason, usage=usage,
                         headers=gateway_headers(stream.response.headers))

    # 3. gateway metadata through the SDK's own default_headers
    if "metadata" in models:
        tagged = client(cfg["base_url"], models["metadata"],
                        default_headers={"cf-aig-metadata": json.dumps({"team": "e2e"})})
        out["metadata"] = completion(tagged.chat.completions.with_raw_response.create(
            model=models["metadata"], messages=PROMPT))

    # 4. cached: the same request twice, cf-aig-cache-ttl through extra_headers; the second is the gateway's
    out["cached"] = [create(models["cached"], extra_headers=CACHE_HEADERS) for _ in range(2)]

    # 5. error: a gateway limited to 1 request answers 429 in OpenAI's error shape
    def describe(e):
        return {"status": e.status_code, "body": e.body, "message": e.message, "type": e.type, "code": e.code,
                "headers": gateway_headers(e.response.headers)}

    out["error"] = until_refused(lambda: create(models["error"], base=cfg["limited_url"]), openai.RateLimitError,
                                 describe)
    return out


if __name__ == "__main__":
    run(main)
