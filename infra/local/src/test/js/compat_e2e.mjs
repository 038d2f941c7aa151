// The official OpenAI JS SDK against the gateway's OpenAI-compatible endpoint (/compat), changed in nothing but its
// base URL: Anthropic (plain, tools), Gemini (streamed, with stream_options.include_usage), Groq (passed through),
// and the SDK's typed errors for a provider's 429 and a parameter the provider cannot honour (400, code 2048).
//
// Run by io.aigateway.local.CompatJsSdkEndToEndTest as `node compat_e2e.mjs CONFIG_JSON`; prints one JSON line.
import OpenAI from 'openai';

const cfg = JSON.parse(process.argv[2]);
const client = (key) => new OpenAI({ baseURL: cfg.base_url, apiKey: key, maxRetries: 0, timeout: 30_000 });
const claude = client(cfg.anthropic_key);
const gemini = client(cfg.gemini_key);
const groq = client(cfg.groq_key);

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

console.log(JSON.stringify(out));
