"""The official OpenAI Python SDK against the gateway's OpenAI-compatible endpoint (/compat), reaching Anthropic,
Gemini, Bedrock Converse and ConverseStream (with a Bedrock API key, and signed by the gateway), Cohere, Workers AI and
an OpenAI-compatible provider (Groq) with nothing changed but the base URL: plain, streamed (text and tool calls),
tools, images (https and base64 data URLs), JSON schema, errors, usage with cached and reasoning tokens, and an agent
loop whose tool calls cross two providers through one dynamic route.

Run by io.aigateway.local.CompatSdkEndToEndTest as `python3 compat_e2e.py CONFIG_JSON`; prints one JSON line.
"""
import json
import time

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


# a 1x1 PNG, as a base64 data URL; and an image a provider fetches itself
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
         "RU5ErkJggg==")
PHOTO = "https://images.example.com/cats/cat.jpg"

WEATHER_SCHEMA = {"type": "json_schema", "json_schema": {"name": "weather", "strict": True, "schema": {
    "type": "object", "properties": {"city": {"type": "string"}, "temperature_c": {"type": "integer"}},
    "required": ["city", "temperature_c"], "additionalProperties": False}}}


def look_at(*urls):
    return [{"role": "user", "content": [{"type": "text", "text": "What is in these images?"}]
             + [{"type": "image_url", "image_url": {"url": u}} for u in urls]}]


def weather(city):
    return {"city": city, "temperature_c": 18, "sky": "clear"}


def usage_of(usage):
    return None if usage is None else {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None,
        "reasoning_tokens": (usage.completion_tokens_details.reasoning_tokens
                             if usage.completion_tokens_details else None),
    }


def streamed(stream):
    """The content pieces, tool calls (by index: id, name, argument pieces), finish reason, final usage, chunk count
    and whether the usage chunk came last (with no choices) of a streamed answer."""
    pieces, final_usage, finish, chunks, model, calls, usage_last = [], None, None, 0, None, {}, False
    for chunk in stream:
        chunks += 1
        model = chunk.model
        usage_last = chunk.usage is not None and not chunk.choices
        if chunk.usage is not None:
            final_usage = usage_of(chunk.usage)
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            for d in choice.delta.tool_calls or []:
                call = calls.setdefault(d.index, {"id": None, "name": None, "arguments": []})
                if d.id:
                    call["id"] = d.id
                if d.function and d.function.name:
                    call["name"] = d.function.name
                if d.function and d.function.arguments:
                    call["arguments"].append(d.function.arguments)
            if choice.finish_reason:
                finish = choice.finish_reason
    return {"pieces": pieces, "usage": final_usage, "finish_reason": finish, "chunks": chunks, "model": model,
            "tool_calls": [calls[i] for i in sorted(calls)], "usage_last": usage_last}


def answer_of(completion):
    return {"content": completion.choices[0].message.content, "model": completion.model,
            "finish_reason": completion.choices[0].finish_reason, "usage": usage_of(completion.usage)}


def error_of(call):
    try:
        call()
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {"class": type(e).__name__, "status": e.status_code, "param": body.get("param"),
                "code": body.get("code"), "message": body.get("message")}
    return {"class": None}


def stream_error_of(call):
    """The pieces a stream gave before the provider's mid-stream error, and the error the SDK raised."""
    pieces = []
    try:
        for chunk in call():
            pieces.extend(c.delta.content for c in chunk.choices if c.delta.content)
    except openai.APIError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {"pieces": pieces, "class": type(e).__name__, "message": e.message, "type": body.get("type"),
                "code": body.get("code")}
    return {"pieces": pieces, "class": None}


def main(cfg):
    started = time.monotonic()
    client = OpenAI(base_url=cfg["base_url"], api_key=cfg["anthropic_key"], max_retries=0)
    gemini = OpenAI(base_url=cfg["base_url"], api_key=cfg["gemini_key"], max_retries=0)
    groq = OpenAI(base_url=cfg["base_url"], api_key=cfg["groq_key"], max_retries=0)
    # Bedrock: a Bedrock API key as the bearer token, and the region (which the model name does not say) in a header
    bedrock = OpenAI(base_url=cfg["base_url"], api_key=cfg["bedrock_key"], max_retries=0,
                     default_headers={"x-aig-region": "us-east-1"})
    cohere = OpenAI(base_url=cfg["base_url"], api_key=cfg["cohere_key"], max_retries=0)
    workers = OpenAI(base_url=cfg["base_url"], api_key=cfg["workers_ai_key"], max_retries=0)
    out = {}

    plain = client.chat.completions.with_raw_response.create(
        model="anthropic/claude-sonnet-4-5",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}],
        max_tokens=64)
    completion = plain.parse()
    out["plain"] = {"content": completion.choices[0].message.content, "model": completion.model,
                    "finish_reason": completion.choices[0].finish_reason, "usage": usage_of(completion.usage),
                    "log_id": plain.headers.get("cf-aig-log-id")}

    out["stream"] = streamed(gemini.chat.completions.create(
        model="google-ai-studio/gemini-2.5-flash", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Stream a sentence."}]))
    out["anthropic_stream"] = streamed(client.chat.completions.create(
        model="anthropic/claude-sonnet-4-5", stream=True, stream_options={"include_usage": True}, max_tokens=64,
        messages=[{"role": "user", "content": "Stream a sentence from Claude."}]))

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

    # images: an https URL and a base64 data URL, each translated into the provider's own image input
    out["images"] = {
        "anthropic": answer_of(client.chat.completions.create(
            model="anthropic/claude-sonnet-4-5", messages=look_at(PHOTO, PIXEL))),
        "gemini": answer_of(gemini.chat.completions.create(
            model="google-ai-studio/gemini-2.5-flash", messages=look_at(PIXEL, PHOTO))),
        "bedrock": answer_of(bedrock.chat.completions.create(
            model="aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=look_at(PIXEL))),
        # Converse takes bytes only and the gateway fetches nothing: refused, naming the part
        "bedrock_url": error_of(lambda: bedrock.chat.completions.create(
            model="aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=look_at(PHOTO))),
    }

    # JSON schema: each provider's structured output; a schema-less JSON mode Anthropic cannot honour is refused
    ask = [{"role": "user", "content": "The weather in Paris, as JSON."}]
    out["json_schema"] = {
        name: json.loads(c.chat.completions.create(model=model, messages=ask, response_format=WEATHER_SCHEMA)
                         .choices[0].message.content)
        for name, c, model in [("anthropic", client, "anthropic/claude-sonnet-4-5"),
                               ("gemini", gemini, "google-ai-studio/gemini-2.5-flash"),
                               ("bedrock", bedrock, "aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0")]}
    out["json_object_refused"] = error_of(lambda: client.chat.completions.create(
        model="anthropic/claude-sonnet-4-5", messages=ask, response_format={"type": "json_object"}))

    # provider errors (Google's 400, Bedrock's 500) as the SDK's own exception classes
    out["errors"] = {
        "gemini_400": error_of(lambda: gemini.chat.completions.create(
            model="google-ai-studio/gemini-bad-request", messages=[{"role": "user", "content": "hi"}])),
        "bedrock_500": error_of(lambda: bedrock.chat.completions.create(
            model="aws-bedrock/amazon.nova-broken-v1:0", messages=[{"role": "user", "content": "hi"}])),
    }

    # usage: Gemini's thought and cached tokens
    out["usage"] = {"gemini": answer_of(gemini.chat.completions.create(
        model="google-ai-studio/gemini-2.5-pro", reasoning_effort="high",
        messages=[{"role": "user", "content": "Think, then answer."}]))}

    # Cohere v2 chat and Workers AI, plain and streamed
    hi = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello."}]
    out["cohere"] = answer_of(cohere.chat.completions.create(model="cohere/command-a-03-2025", messages=hi))
    out["cohere_stream"] = streamed(cohere.chat.completions.create(
        model="cohere/command-a-03-2025", messages=hi, stream=True, stream_options={"include_usage": True}))
    out["workers_ai"] = answer_of(workers.chat.completions.create(
        model="workers-ai/@cf/meta/llama-3.1-8b-instruct", messages=hi, max_tokens=64))
    out["workers_ai_stream"] = streamed(workers.chat.completions.create(
        model="workers-ai/@cf/meta/llama-3.1-8b-instruct", messages=hi, stream=True,
        stream_options={"include_usage": True}))

    # Bedrock ConverseStream: text deltas, then tool-use deltas, from an AWS event stream; usage with cache reads.
    # Once with a Bedrock API key, once signed by the gateway with the AWS credentials it holds (only a gateway token
    # from the client: the api_key the SDK insists on is dropped under client_provider_keys deny).
    claude_on_bedrock = "aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    raw = bedrock.chat.completions.with_raw_response.create(
        model=claude_on_bedrock, messages=hi, max_tokens=64, stream=True, stream_options={"include_usage": True})
    out["bedrock_stream"] = dict(streamed(raw.parse()), log_id=raw.headers.get("cf-aig-log-id"),
                                 content_type=raw.headers.get("content-type"))
    out["bedrock_stream_tools"] = streamed(bedrock.chat.completions.create(
        model=claude_on_bedrock, tools=[WEATHER_TOOL], stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Weather in Paris? Stream it."}]))
    out["bedrock_stream_throttled"] = stream_error_of(lambda: bedrock.chat.completions.create(
        model="aws-bedrock/amazon.nova-throttled-v1:0", messages=hi, stream=True))
    signed = OpenAI(base_url=cfg["signed_base_url"], api_key="not-a-bedrock-key", max_retries=0,
                    default_headers={"cf-aig-authorization": "Bearer " + cfg["signed_token"],
                                     "x-aig-region": "us-east-1"})
    out["bedrock_signed_stream"] = streamed(signed.chat.completions.create(
        model=claude_on_bedrock, messages=hi, stream=True, stream_options={"include_usage": True}))

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
    out["calls_ms"] = round((time.monotonic() - started) * 1000)
    return out


if __name__ == "__main__":
    run(main)
