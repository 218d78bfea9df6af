/**
 * The planner's vocabulary: dimension synonyms, well-known service aliases, stop words.
 * Data, not logic, so that it can be read and extended at a glance.
 * @module
 */

/** Dimension words → canonical column, most specific first. */
export const DIMENSION_SYNONYMS: [RegExp, string][] = [
  [/\bservice ?categor(?:y|ies)\b/, "ServiceCategory"],
  [/\b(?:charge ?categor(?:y|ies)|charge ?types?|categor(?:y|ies)|line ?item ?types?)\b/, "ChargeCategory"],
  [/\b(?:services?|products?|meter ?categor(?:y|ies))\b/, "ServiceName"],
  [/\b(?:regions?|locations?|geograph(?:y|ies))\b/, "RegionName"],
  [/\b(?:sub ?accounts?|accounts?|subscriptions?|projects?|compartments?|linked accounts?)\b/, "SubAccountName"],
  [/\b(?:resources?|resource ?ids?|instances?)\b/, "ResourceId"],
  [/\b(?:providers?|clouds?|vendors?)\b/, "ProviderName"],
  [/\b(?:skus?)\b/, "SkuId"],
  [/\b(?:currenc(?:y|ies))\b/, "BillingCurrency"],
];

/** Human names of canonical columns, for answers. */
export const COLUMN_LABELS: Record<string, string> = {
  ServiceName: "service",
  ServiceCategory: "service category",
  RegionName: "region",
  SubAccountName: "account",
  ResourceId: "resource",
  ChargeCategory: "charge category",
  ProviderName: "provider",
  SkuId: "SKU",
  BillingCurrency: "currency",
  ChargeDescription: "charge description",
};

/**
 * Well-known service abbreviations → a pattern matched against the data's service names.
 * Used to find "ec2" in "Amazon Elastic Compute Cloud", and to say plainly when a service a
 * user names is not in the data.
 */
export const SERVICE_ALIASES: Record<string, RegExp> = {
  ec2: /elastic compute cloud|^(?:amazon |aws |azure |google )?ec2$/i,
  s3: /simple storage service|^(?:amazon |aws |azure |google )?s3$/i,
  rds: /relational database service|^(?:amazon |aws |azure |google )?rds$/i,
  lambda: /\blambda\b/i,
  dynamodb: /dynamo ?db/i,
  cloudfront: /cloud ?front/i,
  cloudwatch: /cloud ?watch/i,
  cloudtrail: /cloud ?trail/i,
  eks: /elastic kubernetes|^(?:amazon |aws |azure |google )?eks$/i,
  ecs: /elastic container service|^(?:amazon |aws |azure |google )?ecs$/i,
  ecr: /elastic container registry|^(?:amazon |aws |azure |google )?ecr$/i,
  ebs: /elastic block store|^(?:amazon |aws |azure |google )?ebs$/i,
  efs: /elastic file system|^(?:amazon |aws |azure |google )?efs$/i,
  elb: /elastic load balancing|^(?:amazon |aws |azure |google )?elb$/i,
  sqs: /simple queue service|^(?:amazon |aws |azure |google )?sqs$/i,
  sns: /simple notification service|^(?:amazon |aws |azure |google )?sns$/i,
  ses: /simple email service|^(?:amazon |aws |azure |google )?ses$/i,
  kms: /key management service|^(?:amazon |aws |azure |google )?kms$/i,
  vpc: /virtual private cloud|^(?:amazon |aws |azure |google )?vpc$/i,
  route53: /route ?53/i,
  "route 53": /route ?53/i,
  redshift: /redshift/i,
  sagemaker: /sage ?maker/i,
  athena: /athena/i,
  glue: /\bglue\b/i,
  kinesis: /kinesis/i,
  bedrock: /bedrock/i,
  aks: /kubernetes service|^(?:amazon |aws |azure |google )?aks$/i,
  "azure vm": /virtual machines/i,
  "virtual machines": /virtual machines/i,
  "blob storage": /\bstorage\b/i,
  "cosmos db": /cosmos ?db/i,
  cosmosdb: /cosmos ?db/i,
  "azure sql": /\bsql database\b|azure sql/i,
  bigquery: /big ?query/i,
  gce: /compute engine/i,
  "compute engine": /compute engine/i,
  gcs: /cloud storage/i,
  gke: /kubernetes engine/i,
  "cloud run": /cloud run/i,
  "cloud sql": /cloud sql/i,
  "cloud functions": /cloud functions/i,
  pubsub: /pub ?\/? ?sub/i,
  "pub/sub": /pub ?\/? ?sub/i,
  oke: /container engine for kubernetes|^(?:amazon |aws |azure |google )?oke$/i,
  snowflake: /snowflake/i,
  datadog: /datadog/i,
};

/** Region nicknames → region codes or names found in the data. */
export const REGION_ALIASES: Record<string, RegExp> = {
  virginia: /us-east-1|n\. virginia|virginia/i,
  ohio: /us-east-2|ohio/i,
  oregon: /us-west-2|oregon/i,
  california: /us-west-1|california/i,
  ireland: /eu-west-1|ireland/i,
  london: /eu-west-2|london/i,
  paris: /eu-west-3|paris/i,
  frankfurt: /eu-central-1|frankfurt/i,
  stockholm: /eu-north-1|stockholm/i,
  tokyo: /ap-northeast-1|tokyo/i,
  seoul: /ap-northeast-2|seoul/i,
  singapore: /ap-southeast-1|singapore/i,
  sydney: /ap-southeast-2|sydney/i,
  mumbai: /ap-south-1|mumbai/i,
  "sao paulo": /sa-east-1|s[aã]o paulo/i,
  canada: /ca-central-1|canada/i,
};

/** Words too common to identify a value on their own. */
export const STOP_WORDS = new Set(
  ("a an and are as at be by cost costs spend spending spent for from how in is it its me of on or our per " +
    "show the to total us was were what which with amazon aws azure google cloud microsoft oracle service services " +
    "web data storage compute database region regions account accounts all any give list many much my " +
    "top month months day days year years week weeks last this that these those about tell please can you " +
    "did does do get by group break down breakdown charge charges bill billed usage amount")
    .split(" "),
);

/** Charge categories a user can exclude or include by a plain word. */
export const CATEGORY_WORDS: [RegExp, string][] = [
  [/\btax(?:es)?\b/, "Tax"],
  [/\b(?:credits?|discounts?)\b/, "Credit"],
  [/\b(?:purchases?|commitments? purchases?|upfront|fees?)\b/, "Purchase"],
  [/\b(?:refunds?|adjustments?)\b/, "Adjustment"],
];
