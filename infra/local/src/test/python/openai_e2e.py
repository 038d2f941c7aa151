#!/usr/bin/env python3
"""The official OpenAI Python SDK through the gateway, changed in nothing but base_url.

Usage: openai_e2e.py BASE_URL MODEL_CREATE MODEL_STREAM MODEL_METADATA
The API key comes from OPENAI_API_KEY, as it would for any user of the SDK.

Prints one JSON line with what each call returned; exits non-zero on any exception.
Run by io.aigateway.local.OfficialSdkEndToEndTest (needs: pip install openai anthropic).
"""
import json
import sys
import time
import traceback


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, model_create, model_stream, model_metadata = argv[1:]

    import openai

    client = openai.OpenAI(base_url=base_url, max_retries=0, timeout=30.0)
    prompt = [{"role": "user", "content": "Say hello"}]
    out = {"sdk": "openai", "sdk_version": openai.__version__}

    # 1. plain chat completion
    completion = client.chat.completions.create(model=model_create, messages=prompt)
    out["create"] = {
        "id": completion.id,
        "model": completion.model,
        "content": completion.choices[0].message.content,
        "finish_reason": completion.choices[0].finish_reason,
        "usage": {
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "total_tokens": completion.usage.total_tokens,
        },
    }

    # 2. streamed chat completion, usage in the last chunk
    parts, usage, chunks, arrivals, finish_reason = [], None, 0, [], None
    stream = client.chat.completions.create(
        model=model_stream, messages=prompt, stream=True, stream_options={"include_usage": True})
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = {
                "prompt_tokens": chunk.usage.prompt_tokens,
                "completion_tokens": chunk.usage.completion_tokens,
                "total_tokens": chunk.usage.total_tokens,
            }
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                parts.append(choice.delta.content)
                arrivals.append(time.monotonic())
            if choice.finish_reason is not None:
                finish_reason = choice.finish_reason
    out["stream"] = {
        "content": "".join(parts),
        "content_chunks": len(parts),
        "chunks": chunks,
        "finish_reason": finish_reason,
        "usage": usage,
        # how far apart the first and the last content chunk arrived: ~0 when something buffered the stream
        "first_to_last_ms": round((arrivals[-1] - arrivals[0]) * 1000) if len(arrivals) > 1 else 0,
    }

    # 3. gateway metadata through the SDK's own default_headers
    tagged = openai.OpenAI(base_url=base_url, max_retries=0, timeout=30.0,
                           default_headers={"cf-aig-metadata": json.dumps({"team": "e2e"})})
    completion = tagged.chat.completions.create(model=model_metadata, messages=prompt)
    out["metadata"] = {
        "model": completion.model,
        "content": completion.choices[0].message.content,
        "usage": {
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "total_tokens": completion.usage.total_tokens,
        },
    }

    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception:  # noqa: BLE001 - any failure of the SDK is the test's failure
        traceback.print_exc()
        sys.exit(1)
