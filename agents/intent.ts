/**
 * Intent classification by rules: which agent should answer a question.
 *
 * @example
 * classifyIntent("forecast next quarter") // → "insight"
 * classifyIntent("top 5 services") // → "finops_query"
 * @module
 */
import type { Intent } from "./types.ts";

const SMALL_TALK =
  /^(hi|hello|hey|hiya|yo|howdy|thanks|thank you|thank you very much|thx|ty|cheers|great|cool|nice|ok|okay|good (morning|afternoon|evening|night)|bye|goodbye|see you|how are you|who are you)\b[\s!.?,a-z]{0,20}$/;
const SCHEMA =
  /\b((what|which) (columns|fields|dimensions|data|kind of data)|describe (the |this |my )?(data|dataset|file|csv)|schema|what can you do|what do you do|help me|^help\b|what('s| is) in (the|this|my) (data|file|dataset)|what questions can i ask|data quality|date range of (the|this|my) data|what period does)/;
const KNOWLEDGE_LEAD =
  /^(what is|what's|what are|whats|explain|define|definition of|how does|how do|tell me about|meaning of|difference between)\b/;
const KNOWLEDGE_TERM =
  /\b(savings? plans?|reserved instances?|reservations?|\bris?\b|cuds?|committed use|commitments?|focus|amorti[sz](ed|ation)|finops|unit economics|rightsiz(e|ing)|chargeback|showback|tagging|tags? polic|allocation|blended|unblended|effective cost|list cost|billed cost|spot instances?|on-demand|anomal(y|ies) detection|forecasting|budgets?|phases?|inform|optimi[sz]e phase|operate phase)\b/;
const DATA_WORDS =
  /\b(my|our|we|us|this data|the data|last|top|total|by|per|in (19|20)\d\d|cost of|spend on|how much)\b/;
const INSIGHT =
  /\b(forecast|predict|prediction|projection|project(ed)? (cost|spend)|next (month|quarter|year|week)|anomal(y|ies|ous)|spikes?|spiked|unusual|outliers?|why did|why is|why was|why are|what drove|what caused|what changed|root cause|drivers?|correlat(e|ed|ion)|moving average|rolling average)\b/;
const VISUALIZE =
  /\b(chart|plot|graph|visuali[sz]e|draw|pie|donut|bar chart|line chart|heat ?map|diagram|scatter|horizontal bars?|stacked|as (a |an )?(bars?|lines?|columns?|area|donut|pie))\b/;

/** Classifies a question into an intent. */
export function classifyIntent(question: string): Intent {
  const t = question.toLowerCase().trim().replace(/\s+/g, " ");
  if (t.length <= 40 && SMALL_TALK.test(t)) return "small_talk";
  if (SCHEMA.test(t)) return "schema";
  if (KNOWLEDGE_LEAD.test(t) && KNOWLEDGE_TERM.test(t) && !DATA_WORDS.test(t)) return "knowledge";
  if (INSIGHT.test(t)) return "insight";
  if (VISUALIZE.test(t)) return "visualize";
  return "finops_query";
}
