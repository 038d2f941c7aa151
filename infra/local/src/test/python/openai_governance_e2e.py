#!/usr/bin/env python3
"""Governance through the official OpenAI Python SDK: a virtual key limited to some models, and a stored provider
key (BYOK) the gateway injects so the client sends none.

Usage: openai_governance_e2e.py CONFIG_JSON with
  base_url   the gateway's openai route
  key        the virtual key (gateway token), sent as cf-aig-authorization through default_headers
  allowed    a model the key allows
  refused    a model it does not allow
The client sends no provider key: the SDK's Authorization header is removed with extra_headers={"Authorization": openai.Omit()}, so what reaches
the provider can only be the stored key. Run by io.aigateway.local.GovernanceSdkEndToEndTest.
"""
from sdk_e2e import gateway_headers, run

PROMPT = [{"role": "user", "content": "Say hello"}]


def main(cfg):
    import openai

    client = openai.OpenAI(
        base_url=cfg["base_url"], api_key="not-sent", max_retries=0, timeout=30.0,
        default_headers={"cf-aig-authorization": "Bearer " + cfg["key"]})
    no_key = {"Authorization": openai.Omit()}  # the SDK's own way to send no Authorization header
    out = {"sdk_version": openai.__version__}

    raw = client.chat.completions.with_raw_response.create(model=cfg["allowed"], messages=PROMPT,
                                                           extra_headers=no_key)
    c = raw.parse()
    out["allowed"] = {"content": c.choices[0].message.content, "model": c.model,
                      "headers": gateway_headers(raw.headers)}

    try:
        client.chat.completions.create(model=cfg["refused"], messages=PROMPT, extra_headers=no_key)
        out["refused"] = {"raised": None}
    except openai.PermissionDeniedError as e:
        out["refused"] = {"raised": type(e).__name__, "status": e.status_code, "code": e.code,
                          "message": e.message, "headers": gateway_headers(e.response.headers)}
    return out


if __name__ == "__main__":
    run(main)
