#!/usr/bin/env python3
"""boto3's bedrock-runtime client through the gateway, with the README's before-send recipe.

The gateway does not sign Bedrock requests itself yet: boto3 signs for the real Bedrock host and path, and a
before-send hook re-targets the signed request to the gateway route; cf-aig-* headers added there, after
signing, are never part of the signature and never go upstream.

Usage: boto3_bedrock_e2e.py CONFIG_JSON, with base_url (.../aws-bedrock/bedrock-runtime/{region}), limited_url (a
gateway limited to 1 request), region, cache_key and models (plain, invoke, stream, cached, error). Credentials
come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, as they would for any user of the SDK.

Cases: plain (converse), invoke (invoke_model with the trace, guardrail and latency x-amzn-bedrock-* headers),
streamed (converse_stream: an AWS event stream), cached (the same converse twice, with cf-aig-cache-ttl and
cf-aig-cache-key, since signatures differ per request) and error (a gateway-made 429 must raise the client's
ThrottlingException, a botocore ClientError with Error.Code ThrottlingException and the gateway's message).
Retries off (total_max_attempts=1). Run by io.aigateway.local.OfficialSdkEndToEndTest.
"""
import json

from sdk_e2e import CACHE_HEADERS, Arrivals, gateway_headers, run, until_refused

MESSAGES = [{"role": "user", "content": [{"text": "Say hello"}]}]


def main(cfg):
    import boto3
    import botocore
    from botocore.config import Config

    region, models = cfg["region"], cfg["models"]
    bedrock_url = "https://bedrock-runtime." + region + ".amazonaws.com"

    def client(gateway_url, cf_aig_headers=None):
        c = boto3.client("bedrock-runtime", region_name=region, config=Config(
            retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=10, read_timeout=30))

        def via_gateway(request, **kwargs):
            assert request.url.startswith(bedrock_url), request.url  # signed for Bedrock itself
            request.url = request.url.replace(bedrock_url, gateway_url)
            request.headers.update(cf_aig_headers or {})

        c.meta.events.register("before-send.bedrock-runtime.*", via_gateway)
        return c

    def converse(on, model):
        r = on.converse(modelId=model, messages=MESSAGES, inferenceConfig={"maxTokens": 256})
        return {
            "content": r["output"]["message"]["content"][0]["text"],
            "stop_reason": r["stopReason"],
            "usage": r["usage"],
            "status": r["ResponseMetadata"]["HTTPStatusCode"],
            "headers": gateway_headers(r["ResponseMetadata"]["HTTPHeaders"]),
        }

    plain = client(cfg["base_url"])
    out = {"sdk": "boto3", "sdk_version": boto3.__version__, "botocore_version": botocore.__version__}

    # 1. plain converse
    out["plain"] = converse(plain, models["plain"])

    # 2. invoke_model with the x-amzn-bedrock-* request headers boto3 signs (trace, guardrail, latency)
    r = plain.invoke_model(
        modelId=models["invoke"], contentType="application/json", accept="application/json",
        body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 256,
                         "messages": [{"role": "user", "content": "Say hello"}]}),
        trace="ENABLED", guardrailIdentifier="gr-e2e0001", guardrailVersion="1", performanceConfigLatency="optimized")
    body = json.loads(r["body"].read())
    http_headers = r["ResponseMetadata"]["HTTPHeaders"]
    out["invoke"] = {
        "content": "".join(b["text"] for b in body["content"] if b["type"] == "text"),
        "usage": body["usage"],
        "performance_config_latency": r.get("performanceConfigLatency"),
        "input_token_count": http_headers.get("x-amzn-bedrock-input-token-count"),
        "output_token_count": http_headers.get("x-amzn-bedrock-output-token-count"),
        "headers": gateway_headers(http_headers),
    }

    # 3. converse_stream: an AWS event stream, decoded (and CRC-checked) by botocore
    arrivals, usage, stop_reason, events = Arrivals(cfg["first_piece_url"]), None, None, []
    r = plain.converse_stream(modelId=models["stream"], messages=MESSAGES, inferenceConfig={"maxTokens": 256})
    for event in r["stream"]:
        events.extend(event.keys())
        if "contentBlockDelta" in event:
            arrivals.add(event["contentBlockDelta"]["delta"].get("text"))
        elif "messageStop" in event:
            stop_reason = event["messageStop"]["stopReason"]
        elif "metadata" in event:
            usage = event["metadata"]["usage"]
    out["stream"] = dict(arrivals.describe(), events=events, stop_reason=stop_reason, usage=usage,
                         headers=gateway_headers(r["ResponseMetadata"]["HTTPHeaders"]))

    # 4. cached: every request's signature differs, so the cache needs the caller's own key (cf-aig-cache-key, on a
    #    gateway with cache_key_shared); both headers are added after signing, by the hook
    cached = client(cfg["base_url"], dict(CACHE_HEADERS, **{"cf-aig-cache-key": cfg["cache_key"]}))
    out["cached"] = [converse(cached, models["cached"]) for _ in range(2)]

    # 5. error: a gateway limited to 1 request answers 429 as Bedrock does (x-amzn-ErrorType: ThrottlingException)
    limited = client(cfg["limited_url"])

    def describe(e):
        meta = e.response["ResponseMetadata"]
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": meta["HTTPStatusCode"], "is_client_error": isinstance(e, botocore.exceptions.ClientError),
                "str": str(e), "headers": gateway_headers(meta["HTTPHeaders"])}

    out["error"] = until_refused(lambda: converse(limited, models["error"]), limited.exceptions.ThrottlingException,
                                 describe)
    return out


if __name__ == "__main__":
    run(main)
