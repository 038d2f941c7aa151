#!/usr/bin/env python3
"""Data protection (DLP) through the gateway, seen by the official OpenAI and Anthropic Python SDKs.

Usage: dlp_e2e.py CONFIG_JSON, with openai_url, anthropic_url and the planted values (card, not_a_card, email).
Per SDK, plain and streamed: a valid card number is refused (400, code 2029, the SDK's BadRequestError); an invalid
look-alike passes; an e-mail is redacted for the provider and restored in the answer (the stub answers with the
placeholder it was sent); an answer carrying an SSN is ended mid-stream by an error event (code 2030) that the SDK
raises as its own error. Run by io.aigateway.local.DlpSdkEndToEndTest.
"""
from sdk_e2e import header, run


def openai_cases(cfg):
    import openai

    client = openai.OpenAI(base_url=cfg["openai_url"], max_retries=0, timeout=30.0)

    def ask(model, content, stream):
        messages = [{"role": "user", "content": content}]
        if not stream:
            raw = client.chat.completions.with_raw_response.create(model=model, messages=messages)
            return {"content": raw.parse().choices[0].message.content, "dlp": header(raw.headers, "cf-aig-dlp")}
        parts = []
        with client.chat.completions.with_streaming_response.create(model=model, messages=messages,
                                                                    stream=True) as raw:
            dlp = header(raw.headers, "cf-aig-dlp")
            try:
                for chunk in raw.parse():
                    for choice in chunk.choices:
                        if choice.delta.content:
                            parts.append(choice.delta.content)
            except openai.APIError as e:
                return {"content": "".join(parts), "stream_error": {"type": type(e).__name__, "message": e.message,
                                                                    "body": e.body}, "dlp": dlp}
        return {"content": "".join(parts), "dlp": dlp}

    def refused(model, content, stream):
        try:
            ask(model, content, stream)
        except openai.BadRequestError as e:
            return {"status": e.status_code, "body": e.body, "message": e.message,
                    "dlp": header(e.response.headers, "cf-aig-dlp")}
        raise AssertionError("not refused")

    return cases(cfg, ask, refused)


def anthropic_cases(cfg):
    import anthropic

    client = anthropic.Anthropic(base_url=cfg["anthropic_url"], max_retries=0, timeout=30.0)

    def ask(model, content, stream):
        messages = [{"role": "user", "content": content}]
        if not stream:
            raw = client.messages.with_raw_response.create(model=model, max_tokens=128, messages=messages)
            message = raw.parse()
            return {"content": "".join(b.text for b in message.content if b.type == "text"),
                    "dlp": header(raw.headers, "cf-aig-dlp")}
        parts = []
        try:
            with client.messages.stream(model=model, max_tokens=128, messages=messages) as s:
                dlp = header(s.response.headers, "cf-aig-dlp")
                for text in s.text_stream:
                    parts.append(text)
        except anthropic.APIStatusError as e:
            if e.status_code == 400 and not parts and "2029" in str(e.body):
                raise
            return {"content": "".join(parts), "stream_error": {"type": type(e).__name__, "message": e.message,
                                                                "body": e.body}}
        return {"content": "".join(parts), "dlp": dlp}

    def refused(model, content, stream):
        try:
            ask(model, content, stream)
        except anthropic.BadRequestError as e:
            return {"status": e.status_code, "body": e.body, "message": e.message,
                    "dlp": header(e.response.headers, "cf-aig-dlp")}
        raise AssertionError("not refused")

    return cases(cfg, ask, refused)


def cases(cfg, ask, refused):
    out = {}
    for stream in (False, True):
        kind = "stream" if stream else "plain"
        out[kind] = {
            "card": refused("ok-model", "please charge my card " + cfg["card"], stream),
            "not_a_card": ask("ok-model", "order " + cfg["not_a_card"] + " has shipped", stream),
            "redact": ask("placeholder-model", "write to " + cfg["email"] + " today", stream),
            # a buffered answer is refused whole (400, 2030); a streamed one ends with an error event
            "ssn": ask("ssn-model", "what is my number?", True) if stream
            else refused("ssn-model", "what is my number?", False),
        }
    return out


def main(cfg):
    return {"openai": openai_cases(cfg), "anthropic": anthropic_cases(cfg)}


if __name__ == "__main__":
    run(main)
