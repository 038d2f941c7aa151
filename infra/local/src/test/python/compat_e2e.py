"""The official OpenAI Python SDK against the gateway's OpenAI-compatible endpoint (/compat), reaching Anthropic,
Gemini and an OpenAI-compatible provider (Groq) through one client: plain, streamed, tools, errors, usage, and an agent
loop whose tool calls cross two providers through one dynamic route.

Run by io.aigateway.local.CompatSdkEndToEndTest as `python3 compat_e2e.py CONFIG_JSON`; prints one JSON line.
"""
import json

import openai
from openai import OpenAI

from sdk_e2e import run

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def weather(city):
    return {"city": city, "temperature_c": 18, "sky": "clear"}


def usage_of(usage):
    return None if usage is None else {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None,
    }


def error_of(call):
    try:
        call()
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {"class": type(e).__name__, "status": e.status_code, "param": body.get("param"),
                "code": body.get("code"), "message": body.get("message")}
    return {"class": None}


def main(cfg):
    client = OpenAI(base_url=cfg["base_url"], api_key=cfg["anthropic_key"], max_retries=0)
    gemini = OpenAI(base_url=cfg["base_url"], api_key=cfg["gemini_key"], max_retries=0)
    groq = OpenAI(base_url=cfg["base_url"], api_key=cfg["groq_key"], max_retries=0)
    out = {}

    plain = client.chat.completions.with_raw_response.create(
        model="anthropic/claude-sonnet-4-5",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}],
        max_tokens=64)
    completion = plain.parse()
    out["plain"] = {"content": completion.choices[0].message.content, "model": completion.model,
                    "finish_reason": completion.choices[0].finish_reason, "usage": usage_of(completion.usage),
                    "log_id": plain.headers.get("cf-aig-log-id")}

    pieces, final_usage, finish = [], None, None
    stream = gemini.chat.completions.create(
        model="google-ai-studio/gemini-2.5-flash", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Stream a sentence."}])
    for chunk in stream:
        if chunk.usage is not None:
            final_usage = usage_of(chunk.usage)
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    out["stream"] = {"pieces": pieces, "usage": final_usage, "finish_reason": finish}

    pieces, final_usage, finish, chunks = [], None, None, 0
    stream = client.chat.completions.create(
        model="anthropic/claude-sonnet-4-5", stream=True, stream_options={"include_usage": True}, max_tokens=64,
        messages=[{"role": "user", "content": "Stream a sentence from Claude."}])
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            final_usage = usage_of(chunk.usage)
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    out["anthropic_stream"] = {"pieces": pieces, "usage": final_usage, "finish_reason": finish, "chunks": chunks,
                               "model": chunk.model}

    tools = client.chat.completions.create(
        model="anthropic/claude-sonnet-4-5", tools=[WEATHER_TOOL], tool_choice="auto",
        messages=[{"role": "user", "content": "Weather in Paris?"}])
    call = tools.choices[0].message.tool_calls[0]
    out["tools"] = {"finish_reason": tools.choices[0].finish_reason, "name": call.function.name,
                    "arguments": json.loads(call.function.arguments), "id": call.id}

    passthrough = groq.chat.completions.create(
        model="groq/llama-3.1-8b-instant", messages=[{"role": "user", "content": "hi"}])
    out["groq"] = {"content": passthrough.choices[0].message.content, "usage": usage_of(passthrough.usage)}

    out["provider_error"] = error_of(lambda: client.chat.completions.create(
        model="anthropic/claude-rate-limited", messages=[{"role": "user", "content": "hi"}]))
    out["unsupported"] = error_of(lambda: client.chat.completions.create(
        model="anthropic/claude-sonnet-4-5", n=2, messages=[{"role": "user", "content": "hi"}]))

    # An agent loop through one route: the first turn goes to Claude, which asks for the tool; the next to Gemini,
    # which gets Claude's tool call and the tool's result (translated to its own format) and answers.
    messages = [{"role": "user", "content": "What is the weather in Paris? Use the tool."}]
    answered_by, turns = [], 0
    while turns < 4:
        response = client.chat.completions.create(
            model="dynamic/agent", tools=[WEATHER_TOOL], messages=messages,
            extra_headers={"cf-aig-metadata": json.dumps({"turn": turns}),
                           # Gemini's key: the route sends turns after the first to Gemini, which reads it from here
                           "x-goog-api-key": cfg["gemini_key"]})
        turns += 1
        answered_by.append(response.model)
        message = response.choices[0].message
        if not message.tool_calls:
            out["agent"] = {"answer": message.content, "answered_by": answered_by, "turns": turns}
            break
        messages.append({"role": "assistant", "content": message.content, "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls]})
        for c in message.tool_calls:
            messages.append({"role": "tool", "tool_call_id": c.id,
                             "content": json.dumps(weather(**json.loads(c.function.arguments)))})
    return out


if __name__ == "__main__":
    run(main)
