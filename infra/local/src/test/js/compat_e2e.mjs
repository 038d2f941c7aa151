// The official OpenAI JS SDK against the gateway's OpenAI-compatible endpoint (/compat), changed in nothing but its
// base URL: Anthropic (plain, tools), Gemini (streamed, with stream_options.include_usage), Groq (passed through),
// images (https and base64 data URLs), JSON schema (Anthropic, Gemini, Bedrock), usage with reasoning and cached
// tokens, and the SDK's typed errors for providers' 429, 400 and 500 and a parameter the provider cannot honour
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

const out = {};

const { data: plain, response } = await claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', max_tokens: 64,
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello from JS.' }],
}).withResponse();
out.plain = {
  content: plain.choices[0].message.content, model: plain.model, finish_reason: plain.choices[0].finish_reason,
  usage: usageOf(plain.usage), log_id: response.headers.get('cf-aig-log-id'),
};

const pieces = [];
let finalUsage = null;
let finish = null;
let chunks = 0;
const stream = await gemini.chat.completions.create({
  model: 'google-ai-studio/gemini-2.5-flash', stream: true, stream_options: { include_usage: true },
  messages: [{ role: 'user', content: 'Stream a sentence from JS.' }],
});
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) finalUsage = usageOf(chunk.usage);
  for (const choice of chunk.choices) {
    if (choice.delta?.content) pieces.push(choice.delta.content);
    if (choice.finish_reason) finish = choice.finish_reason;
  }
}
out.stream = { pieces, usage: finalUsage, finish_reason: finish, chunks };

const claudePieces = [];
let claudeUsage = null;
let claudeFinish = null;
let claudeModel = null;
const claudeStream = await claude.chat.completions.create({
  model: 'anthropic/claude-sonnet-4-5', stream: true, stream_options: { include_usage: true }, max_tokens: 64,
  messages: [{ role: 'user', content: 'Stream a sentence from Claude.' }],
});
for await (const chunk of claudeStream) {
  claudeModel = chunk.model;
  if (chunk.usage) claudeUsage = usageOf(chunk.usage);
  for (const choice of chunk.choices) {
    if (choice.delta?.content) claudePieces.push(choice.delta.content);
    if (choice.finish_reason) claudeFinish = choice.finish_reason;
  }
}
out.anthropic_stream = { pieces: claudePieces, usage: claudeUsage, finish_reason: claudeFinish, model: claudeModel };

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

console.log(JSON.stringify(out));
