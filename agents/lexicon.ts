/**
 * The planner's lexicon: which words of a question carry no content of their own (grammar,
 * request verbs, the generic nouns of a cost question), and which are ordinary English or
 * FinOps words. Ordinary words are vocabulary first: a data value spelled like one ("Monthly",
 * "Identity", "Savings Plan" via "savings") becomes a filter only with more evidence than the
 * word itself (see `matchValues`).
 *
 * Data, not logic, so that it can be read and extended at a glance.
 * @module
 */

const words = (s: string) => s.trim().split(/\s+/);

/**
 * Words that need no accounting: a question is fully read when every word outside this set
 * was used by some part of the plan.
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(words(`
  a an the and or but nor so yet of on in at to for from by with without into onto over under up down out off
  about above across after against along among around as before behind below beneath beside between beyond
  during inside near per since than through throughout till toward towards until upon via within
  i me my mine we us our ours you your yours he she it its they them their theirs this that these those
  there here who whom whose which what when where why how whether if then else
  is am are was were be been being do does did done doing have has had having will would shall should
  can could may might must let lets let's please kindly thanks thank
  show shows showing give giving get getting got tell list listing see display find report reporting
  need needs want wants like know understand check checking verify verifying identify identifying
  analyze analyse analyzing analysing determine calculate computed look looking
  provide break broken group grouped split each every all any some both either neither other others
  much many more most less least lot lots just only also too very really quite again still even ever
  cost costs costing spend spends spending spent pay paid paying money amount amounts total totals sum
  charge charges charged bill bills billing value values figure figures number numbers price prices
  data dataset overall altogether whole entire full current currently
  now ok okay well yes no not don't doesn't didn't isn't aren't wasn't weren't
  one ones thing things way ways kind kinds sort sorts anything something everything nothing
  use using
  make makes made help helps
  s 's
`));

/**
 * Ordinary English and FinOps words. A value of the data that is spelled like one of these is
 * not read as a filter on the word alone.
 */
export const ORDINARY_WORDS: ReadonlySet<string> = new Set([
  ...FUNCTION_WORDS,
  ...words(`
  monthly daily weekly quarterly yearly annual annually hourly month months day days week weeks year years
  quarter quarters hour hours minute minutes time times period periods date dates today yesterday tomorrow
  trend trends history historical timeline series forecast forecasts forecasting predict prediction projection
  anomaly anomalies anomalous spike spikes unusual outlier outliers normal expected odd change changes changed
  increase increased decrease decreased growth grow grew drop dropped rise rose fall fell jump jumped
  savings saving save saved discount discounts discounted unused used unutilized utilization utilisation
  commitment commitments committed reservation reservations reserved coverage covered plan plans rate rates
  usage use quantity quantities unit units consumption consumed consume
  security secure network networking storage compute computing database databases identity integration
  management governance analytics other others standard basic premium free support general
  check checks checked invoice invoices invoiced account accounts billing billed bill provider providers
  service services region regions resource resources category categories type types class classes
  tag tags tagged untagged label labels key keys name names id ids
  effective list contracted amortized amortised actual actuals net gross blended unblended
  correction corrections credit credits tax taxes purchase purchases refund refunds adjustment adjustments
  fee fees recurring one-time onetime upfront marketplace vendor vendors publisher publishers
  budget budgets over under variance target threshold limit
  top bottom largest biggest highest lowest cheapest expensive smallest least most first last next previous
  new old same different various several few many single double
  running run runs ran stopped active inactive idle waste wasted
  request requests transfer transfers instance instances machine machines virtual cluster clusters
  container containers function functions job jobs queue queues
  cloud clouds web online public private shared dedicated
  summary overview detail details breakdown distribution share shares percent percentage ratio proportion
  compare comparison versus vs trend across between
  good bad high low big small large medium fast slow
  correlation correlations correlate correlated pearson spearman numeric column columns moving rolling
  average averages mean median smoothed explain drivers driver cause caused root
  `),
]);
