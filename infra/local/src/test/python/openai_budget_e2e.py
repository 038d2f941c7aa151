#!/usr/bin/env python3
"""A spend budget split by team, through the official OpenAI Python SDK: the team that spent its budget gets the
SDK's RateLimitError (429, code 2046), another team's key still gets answers.

Usage: openai_budget_e2e.py CONFIG_JSON with
  base_url   the gateway's openai route
  spender    the virtual key of the team that spends its budget
  other      the virtual key of another team
  model      the model to ask (max_tokens 6 keeps the reserved estimate near the answer's cost)
Run by io.aigateway.local.GovernanceSdkEndToEndTest.
"""
from sdk_e2e import gateway_headers, run

PROMPT = [{"role": "user", "content": "Say hello"}]


def ask(openai, cfg, key):
    client = openai.OpenAI(base_url=cfg["base_url"], api_key="sk-client", max_retries=0, timeout=30.0,
                           default_headers={"cf-aig-authorization": "Bearer " + key})
    try:
        raw = client.chat.completions.with_raw_response.create(model=cfg["model"], messages=PROMPT, max_tokens=6)
        c = raw.parse()
        return {"content": c.choices[0].message.content, "headers": gateway_headers(raw.headers)}
    except openai.RateLimitError as e:
        return {"raised": type(e).__name__, "status": e.status_code, "code": e.code, "message": e.message,
                "retry_after": e.response.headers.get("retry-after")}


def main(cfg):
    import openai

    out = {"sdk_version": openai.__version__}
    out["first"] = ask(openai, cfg, cfg["spender"])
    out["second"] = ask(openai, cfg, cfg["spender"])
    out["other"] = ask(openai, cfg, cfg["other"])
    return out


if __name__ == "__main__":
    run(main)
