#!/usr/bin/env python3
"""The official Anthropic Python SDK through the gateway, changed in nothing but base_url.

Usage: anthropic_e2e.py BASE_URL MODEL_CREATE MODEL_STREAM
The API key comes from ANTHROPIC_API_KEY, as it would for any user of the SDK.

Prints one JSON line with what each call returned; exits non-zero on any exception.
Run by io.aigateway.local.OfficialSdkEndToEndTest (needs: pip install openai anthropic).
"""
import json
import sys
import time
import traceback


def text_of(message):
    return "".join(block.text for block in message.content if block.type == "text")


def usage_of(message):
    return {"input_tokens": message.usage.input_tokens, "output_tokens": message.usage.output_tokens}


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, model_create, model_stream = argv[1:]

    import anthropic

    client = anthropic.Anthropic(base_url=base_url, max_retries=0, timeout=30.0)
    prompt = [{"role": "user", "content": "Say hello"}]
    out = {"sdk": "anthropic", "sdk_version": anthropic.__version__}

    # 1. plain message
    message = client.messages.create(model=model_create, max_tokens=256, messages=prompt)
    out["create"] = {
        "id": message.id,
        "model": message.model,
        "content": text_of(message),
        "stop_reason": message.stop_reason,
        "usage": usage_of(message),
    }

    # 2. streamed message through the SDK's stream helper
    parts, arrivals = [], []
    with client.messages.stream(model=model_stream, max_tokens=256, messages=prompt) as stream:
        for text in stream.text_stream:
            parts.append(text)
            arrivals.append(time.monotonic())
        final = stream.get_final_message()
    out["stream"] = {
        "id": final.id,
        "model": final.model,
        "content": "".join(parts),
        "final_content": text_of(final),
        "content_chunks": len(parts),
        "stop_reason": final.stop_reason,
        "usage": usage_of(final),
        # how far apart the first and the last text delta arrived: ~0 when something buffered the stream
        "first_to_last_ms": round((arrivals[-1] - arrivals[0]) * 1000) if len(arrivals) > 1 else 0,
    }

    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:  # noqa: BLE001 - any failure of the SDK is the test's failure
        traceback.print_exc()
        sys.exit(1)
