// The pure part of the recommendations, survey and newsletter modules: what to show, and
// posting an answer. No Preact and no `shopify` global, so `node --test` runs it as is.
import {safeUrl} from '../logic.js';

/** Up to the items the API chose, each with a http(s) link; null when none is left. */
export function recommendationsView(module) {
  const items = (module?.items || []).map((item) => ({id: item.product_id, title: item.title, url: safeUrl(item.url)}))
    .filter((item) => item.title && item.url);
  return items.length ? {title: module.title, cta: module.cta, items} : null;
}

export function surveyView(module) {
  if (!module || !Array.isArray(module.scores)) return null;
  return {
    title: module.title, question: module.question, scores: module.scores.map(String),
    scale: [module.low_label, module.high_label].filter(Boolean).join(' · '), commentLabel: module.comment_label,
    submit: module.submit, answered: Boolean(module.answered),
    thanks: module.answered ? [module.thanks, module.answer_label].filter(Boolean).join(' ') : null,
    voucher: module.voucher_code ? {label: module.voucher_label, code: module.voucher_code} : null,
  };
}

export function newsletterView(module) {
  if (!module) return null;
  return {title: module.title, text: module.subscribed ? module.subscribed_text : module.text,
          cta: module.subscribed ? null : module.cta, note: module.subscribed ? null : module.note};
}

/** The three views of a block API document's modules (null where a module is absent). */
export function engagementViews(modules) {
  return {recommendations: recommendationsView(modules?.recommendations), survey: surveyView(modules?.survey),
          newsletter: newsletterView(modules?.newsletter)};
}

/** `${apiUrl}/api/v1/<what>` with the buyer's locale. */
export function actionUrl(apiUrl, what, locale) {
  const query = locale ? `?${new URLSearchParams({locale})}` : '';
  return `${apiUrl.replace(/\/+$/, '')}/api/v1/${what}${query}`;
}

/**
 * POST JSON with the session token; {ok, status, body}. A network failure or a body that
 * is not JSON gives ok: false, so the caller shows its own "try again".
 */
export async function postAction({url, getToken, fetch, body}) {
  try {
    const token = await getToken();
    const response = await fetch(url, {method: 'POST', body: JSON.stringify(body), headers: {
      Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json'}});
    const json = await response.json().catch(() => null);
    return {ok: response.ok && json !== null, status: response.status, body: json};
  } catch {
    return {ok: false, status: 0, body: null};
  }
}
