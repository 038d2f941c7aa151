#!/usr/bin/env python3
"""boto3's bedrock-runtime client pointed at the gateway with endpoint_url, the gateway holding the AWS credentials.

This is the recipe for a gateway that signs Bedrock requests itself (a stored aws-bedrock key, or
bedrock_credentials: function_role): boto3 still signs its own request, with whatever credentials it has, for the
gateway's host, and the gateway drops that signature and signs again for Bedrock. The gateway token goes in
cf-aig-authorization, added to every request by a before-send hook (so it is not part of boto3's signature either).

Usage: boto3_bedrock_signing_e2e.py CONFIG_JSON with endpoint_url (the gateway's .../aws-bedrock/bedrock-runtime/
{region} route), region, token (the gateway token) and models (converse, invoke). Client credentials come from
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: they are NOT the ones Bedrock accepts.
Run by io.aigateway.local.BedrockSigningSdkEndToEndTest.
"""
import json

from sdk_e2e import gateway_headers, run

MESSAGES = [{"role": "user", "content": [{"text": "Say hello"}]}]


def main(cfg):
    import boto3
    import botocore
    from botocore.config import Config

    client = boto3.client("bedrock-runtime", region_name=cfg["region"], endpoint_url=cfg["endpoint_url"],
                          config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
    token = cfg["token"]

    def gateway_token(request, **kwargs):
        request.headers["cf-aig-authorization"] = "Bearer " + token

    client.meta.events.register("before-send.bedrock-runtime.*", gateway_token)
    out = {"sdk": "boto3", "sdk_version": boto3.__version__, "botocore_version": botocore.__version__}

    r = client.converse(modelId=cfg["models"]["converse"], messages=MESSAGES, inferenceConfig={"maxTokens": 64})
    out["converse"] = {
        "content": r["output"]["message"]["content"][0]["text"],
        "stop_reason": r["stopReason"],
        "usage": r["usage"],
        "headers": gateway_headers(r["ResponseMetadata"]["HTTPHeaders"]),
    }

    r = client.invoke_model(
        modelId=cfg["models"]["invoke"], contentType="application/json", accept="application/json",
        body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64,
                         "messages": [{"role": "user", "content": "Say hello"}]}),
        trace="ENABLED")
    body = json.loads(r["body"].read())
    out["invoke"] = {
        "content": "".join(b["text"] for b in body["content"] if b["type"] == "text"),
        "usage": body["usage"],
        "headers": gateway_headers(r["ResponseMetadata"]["HTTPHeaders"]),
    }

    # the same converse again: the gateway's cache answers, whatever boto3's fresh signature
    r = client.converse(modelId=cfg["models"]["converse"], messages=MESSAGES, inferenceConfig={"maxTokens": 64})
    out["again"] = {"content": r["output"]["message"]["content"][0]["text"],
                    "headers": gateway_headers(r["ResponseMetadata"]["HTTPHeaders"])}
    return out


if __name__ == "__main__":
    run(main)
