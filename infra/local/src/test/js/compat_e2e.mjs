// The official OpenAI JS SDK against the gateway's OpenAI-compatible endpoint (/compat), changed in nothing but its
// base URL: Anthropic (plain, tools, streamed), Gemini (streamed, with stream_options.include_usage), Bedrock
// ConverseStream (text and tool-call deltas, cached tokens), Cohere v2 and Workers AI (plain and streamed), Groq
// (passed through), images (https and base64 data URLs), JSON schema (Anthropic, Gemini, Bedrock), usage with
// reasoning and cached tokens, and the SDK's typed errors for providers' 429, 400 and 500 and a parameter the provider cannot honour
// (400, code 2048).
//
// Run by io.aigateway.local.CompatJsSdkEndToEndTest as `node compat_e2e.mjs CONFIG_JSON`; prints one JSON line.
import OpenAI from 'openai';

const cfg = JSON.parse(process.argv[2]);
const client = (key) => new OpenAI({ baseURL: cfg.base_url, apiKey: key, maxRetries: 0, timeout: 30_000 });
const claude = client(cfg.anthropic_key);
const gemini = client(cfg.gemini_key);
const groq = client(cfg.groq_key);
// Bedrock: a Bedrock API key as the bearer token, the region in a header (the model name does not say it)
const bedrock = new OpenAI({
  baseURL: cfg.base_url, apiKey: cfg.bedrock_key, maxRetries: 0, timeout: 30_000,
  defaultHeaders: { 'x-aig-region': 'us-east-1' },
});

const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ'
  + 'RU5ErkJggg==';
const PHOTO = 'https://images.example.com/cats/cat.jpg';
const lookAt = (...urls) => [{
  role: 'user',
  content: [{ type: 'text', text: 'What is in these images?' }, ...urls.map((url) => ({ type: 'image_url', image_url: { url } }))],
}];
const WEATHER_SCHEMA = {
  type: 'json_schema',
  json_schema: {
    name: 'weather', strict: true, schema: {
      type: 'object', properties: { city: { type: 'string' }, temperature_c: { type: 'integer' } },
      required: ['city', 'temperature_c'], additionalProperties: false,
    },
  },
};

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const usageOf = (u) => u == null ? null : {
  prompt_tokens: u.prompt_tokens,
  completion_tokens: u.completion_tokens,
  total_tokens: u.total_tokens,
  cached_tokens: u.prompt_tokens_details?.cached_tokens ?? null,
  reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? null,
};

async function errorOf(call) {
  try {
    await call();
  } catch (e) {
    if (e instanceof OpenAI.APIError) {
      return {
        class: e.constructor.name, status: e.status, code: e.code ?? null, param: e.param ?? null,
        message: e.message, is_rate_limit: e instanceof OpenAI.RateLimitError,
        is_bad_request: e instanceof OpenAI.BadRequestError,
        is_internal: e instanceof OpenAI.InternalServerError,
      };
    }
    throw e;
  }
  return { class: null };
}

// The content pieces, tool calls (by index: id, name, argument pieces), finish reason, final usage, chunk count,
// model and whether the usage chunk came last (with no choices) of a streamed answer.
async function streamed(stream) {
  const r = { pieces: [], usage: null, finish_reason: null, chunks: 0, model: null, tool_calls: [], usage_last: false };
  for await (const chunk of stream) {
    r.chunks++;
    r.model = chunk.model;
    r.usage_last = chunk.usage != null && chunk.choices.length === 0;
    if (chunk.usage) r.usage = usageOf(chunk.usage);
    for (const choice of chunk.choices) {
      if (choice.delta?.content) r.pieces.push(choice.delta.content);
      for (const d of choice.delta?.tool_calls ?? []) {
        const call = (r.tool_calls[d.index] ??= { id: null, name: null, arguments: [] });
        if (d.id) call.id = d.id;
        if (d.function?.name) call.name = d.function.name;
        if (d.function?.arguments) call.arguments.push(d.function.arguments);
      }
      if (choice.finish_reason) r.finish_reason = choice.finish_reason;
    }
  }
  return r;
}

// The pieces a stream gave before the provider's mid-stream error, and the error the SDK raised.
async function streamErrorOf(call) {
  const pieces = [];
  try {
    for await (const chunk of await call()) {
      for (const c of chunk.choices) if (c.delta?.content) pieces.push(c.delta.content);
    }
  } catch (e) {
    if (e instanceof OpenAI.APIError) {
      return { pieces, class: e.constructor.name, message: e.message, type: e.type ?? null, code: e.code ?? null };
    }
    throw e;
  }
  return { pieces, class: null };
}

const answerOf = (c) => ({
  content: c.choices[0].message.content, model: c.model, finish_reason: c.choices[0].finish_reason,
  usage: usageOf(c.usage),
});

const out = {};

const { data: plain, response } = await claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', max_tokens: 64,
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello from JS.' }],
}).withResponse();
out.plain = {
  content: plain.choices[0].message.content, model: plain.model, finish_reason: plain.choices[0].finish_reason,
  usage: usageOf(plain.usage), log_id: response.headers.get('cf-aig-log-id'),
};

out.stream = await streamed(await gemini.chat.completions.create({
  model: 'google-ai-studio/gemini-2.5-flash', stream: true, stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Stream a sentence from JS.' }],
}));
out.anthropic_stream = await streamed(await claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', stream: true, stream_options: { include_usage: true }, max_tokens: 64,
  messages: [{ role: 'user', content: 'Stream a sentence from Claude.' }],
}));

const tools = await claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', tools: [WEATHER_TOOL], tool_choice: 'auto',
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
});
const call = tools.choices[0].message.tool_calls[0];
out.tools = {
  finish_reason: tools.choices[0].finish_reason, name: call.function.name,
  arguments: JSON.parse(call.function.arguments), id: call.id, type: call.type,
};

const passthrough = await groq.chat.completions.create({
  model: 'groq/llama-3.1-8b-instant', messages: [{ role: 'user', content: 'hi' }],
});
out.groq = { content: passthrough.choices[0].message.content, usage: usageOf(passthrough.usage) };

out.provider_error = await errorOf(() => claude.chat.completions.create({
  model: 'anthropic/claude-rate-limited', messages: [{ role: 'user', content: 'hi' }],
}));
out.unsupported = await errorOf(() => claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', n: 2, messages: [{ role: 'user', content: 'hi' }],
}));

const images = await claude.chat.completions.create({ model: 'anthropic/claude-sonnet-4-5', messages: lookAt(PHOTO, PIXEL) });
const geminiImages = await gemini.chat.completions.create({
  model: 'google-ai-studio/gemini-2.5-flash', messages: lookAt(PIXEL, PHOTO),
});
out.images = { anthropic: images.choices[0].message.content, gemini: geminiImages.choices[0].message.content };

const ask = [{ role: 'user', content: 'The weather in Paris, as JSON.' }];
out.json_schema = {};
for (const [name, c, model] of [['anthropic', claude, 'anthropic/claude-sonnet-4-5'],
  ['gemini', gemini, 'google-ai-studio/gemini-2.5-flash'],
  ['bedrock', bedrock, 'aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0']]) {
  const r = await c.chat.completions.create({ model, messages: ask, response_format: WEATHER_SCHEMA });
  out.json_schema[name] = JSON.parse(r.choices[0].message.content);
}
out.json_object_refused = await errorOf(() => claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', messages: ask, response_format: { type: 'json_object' },
}));
out.gemini_400 = await errorOf(() => gemini.chat.completions.create({
  model: 'google-ai-studio/gemini-bad-request', messages: [{ role: 'user', content: 'hi' }],
}));
out.bedrock_500 = await errorOf(() => bedrock.chat.completions.create({
  model: 'aws-bedrock/amazon.nova-broken-v1:0', messages: [{ role: 'user', content: 'hi' }],
}));
const thought = await gemini.chat.completions.create({
  model: 'google-ai-studio/gemini-2.5-pro', reasoning_effort: 'high',
  messages: [{ role: 'user', content: 'Think, then answer.' }],
});
out.reasoning_usage = usageOf(thought.usage);

// Bedrock ConverseStream (an AWS event stream): text deltas, then a tool call whose input arrives in pieces
const claudeOnBedrock = 'aws-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const hi = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello from JS.' }];
out.bedrock_stream = await streamed(await bedrock.chat.completions.create({
  model: claudeOnBedrock, messages: hi, max_tokens: 64, stream: true, stream_options: { include_usage: true },
}));
out.bedrock_stream_tools = await streamed(await bedrock.chat.completions.create({
  model: claudeOnBedrock, tools: [WEATHER_TOOL], stream: true, stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Weather in Paris? Stream it from JS.' }],
}));
out.bedrock_stream_throttled = await streamErrorOf(() => bedrock.chat.completions.create({
  model: 'aws-bedrock/amazon.nova-throttled-v1:0', messages: hi, stream: true,
}));

// Cohere v2 chat and Workers AI, plain and streamed
const cohere = client(cfg.cohere_key);
const workers = client(cfg.workers_ai_key);
out.cohere = answerOf(await cohere.chat.completions.create({ model: 'cohere/command-a-03-2025', messages: hi }));
out.cohere_stream = await streamed(await cohere.chat.completions.create({
  model: 'cohere/command-a-03-2025', messages: hi, stream: true, stream_options: { include_usage: true },
}));
out.workers_ai = answerOf(await workers.chat.completions.create({
  model: 'workers-ai/@cf/meta/llama-3.1-8b-instruct', messages: hi, max_tokens: 64,
}));
out.workers_ai_stream = await streamed(await workers.chat.completions.create({
  model: 'workers-ai/@cf/meta/llama-3.1-8b-instruct', messages: hi, stream: true,
  stream_options: { include_usage: true },
}));

console.log(JSON.stringify(out));
