"""Cue words and lexicons of the genre (Chinese and English management papers on e-commerce).

All Chinese cues are in simplified characters: the proposer matches them against the text
normalised character by character with OpenCC ``t2s`` (so traditional papers match too).
"""

from __future__ import annotations

import re

# -- section kinds (matched against a heading title) -----------------------------------------
OBSTACLE_TITLE = re.compile(
    r"障碍|阻碍|制约|瓶颈|问题|挑战|困境|难题|barrier|obstacle|challenge|problem"
    r"|constraint|bottleneck",
    re.I,
)
STRATEGY_TITLE = re.compile(
    r"对策|建议|策略|措施|启示|路径|countermeasure|recommendation|strateg"
    r"|suggestion|implication|measure",
    re.I,
)
STRATEGY_TITLE_EXCLUDE = re.compile(r"案例|机制|影响|文献|理论|case|mechanism|literature|theor", re.I)
CONCLUSION_TITLE = re.compile(r"结论|结语|总结|conclusion", re.I)
MECHANISM_HEAD = re.compile(r"(?:机制|传导路径|影响路径|作用路径|mechanism)$", re.I)

# -- obstacle type: Barrier where the paper speaks of obstacles, Problem where of problems ---
BARRIER_WORDS = re.compile(r"障碍|阻碍|阻力|瓶颈|制约|barrier|obstacle|impediment", re.I)
PROBLEM_WORDS = re.compile(r"问题|挑战|难题|problem|challenge|issue", re.I)

# -- actors ----------------------------------------------------------------------------------
#: subject words naming an actor, longest first; matched at the start of a clause.
ACTOR_SUBJECTS: list[tuple[str, str]] = [
    ("电商平台企业", "enterprise"),
    ("平台企业", "enterprise"),
    ("中小企业", "enterprise"),
    ("大型企业", "enterprise"),
    ("传统企业", "enterprise"),
    ("制造企业", "enterprise"),
    ("企业层面", "enterprise"),
    ("企业", "enterprise"),
    ("商家", "enterprise"),
    ("合作社", "enterprise"),
    ("农户", "enterprise"),
    ("电商平台", "platform"),
    ("电子商务平台", "platform"),
    ("平台层面", "platform"),
    ("平台方", "platform"),
    ("平台", "platform"),
    ("各级政府", "government"),
    ("地方政府", "government"),
    ("政府层面", "government"),
    ("政府部门", "government"),
    ("有关部门", "government"),
    ("政府", "government"),
    ("国家", "government"),
    ("监管部门", "government"),
    ("行业协会", "industry"),
    ("行业组织", "industry"),
    ("行业层面", "industry"),
    ("行业", "industry"),
]
ACTOR_SUBJECTS_EN: list[tuple[str, str]] = [
    ("enterprises", "enterprise"),
    ("firms", "enterprise"),
    ("companies", "enterprise"),
    ("smes", "enterprise"),
    ("merchants", "enterprise"),
    ("sellers", "enterprise"),
    ("platforms", "platform"),
    ("platform operators", "platform"),
    ("the platform", "platform"),
    ("e-commerce platforms", "platform"),
    ("the government", "government"),
    ("governments", "government"),
    ("policymakers", "government"),
    ("regulators", "government"),
    ("the state", "government"),
    ("local governments", "government"),
    ("industry associations", "industry"),
    ("the industry", "industry"),
    ("industry", "industry"),
]
#: English heading words naming an actor ("Enterprise strategies", "Platform measures").
ACTOR_TITLE_EN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:enterprise|firm|compan|sme|merchant|seller)", re.I), "enterprise"),
    (re.compile(r"\bplatform", re.I), "platform"),
    (re.compile(r"\b(?:government|state|public polic|regulat)", re.I), "government"),
    (re.compile(r"\bindustr", re.I), "industry"),
]
#: words that let the actor be inferred when no subject is named (weaker).
ACTOR_KEYWORDS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"监管|法规|法律|立法|政策|治理体系|数字基建|基础设施|财政|税收|补贴|政产学研|数据治理"
            r"|regulat|legislat|law|policy|policies|infrastructure|subsid|governance",
            re.I,
        ),
        "government",
    ),
    (
        re.compile(
            r"流量|生态|平台规则|工具包|容错|算法推荐|ecosystem|traffic|toolkit|platform rules|ranking", re.I
        ),
        "platform",
    ),
    (re.compile(r"行业协会|行业标准|行业自律|industry association|industry standard", re.I), "industry"),
    (
        re.compile(r"能力|人才|组织|团队|研发|转型|敏捷|capabilit|talent|organi[sz]ation|team|r&d", re.I),
        "enterprise",
    ),
]

#: modal verbs of a recommendation (strong ones work anywhere in strategy/conclusion sections).
MODAL_STRONG = r"(?:需要|必须要|必须|应当|应该|需|应|要)"
MODAL_WEAK = r"(?:可以|可)"

#: verbs that start a policy measure in a "国家鼓励…，促进…，推进…" sentence.
POLICY_VERBS = (
    "鼓励",
    "促进",
    "推进",
    "推动",
    "支持",
    "加强",
    "完善",
    "建立",
    "健全",
    "规范",
    "引导",
    "加快",
    "强化",
    "优化",
    "培育",
    "提升",
    "构建",
    "打造",
    "实施",
)
GOV_SUBJECT = re.compile(
    r"(?:国家|政府|各级政府|地方政府|有关部门|各部门|党中央|国务院)(?:也|还|要|应)?"
    r"(?=鼓励|支持|推动|引导|提出|要求|大力)"
)

# -- obstacle lexicon (nouns that name an obstacle) -----------------------------------------
OBSTACLE_NOUNS = re.compile(
    r"鸿沟|缺口|短缺|滞后|壁垒|冲突|偏见|同质化|垄断|泄露|错配|锁定|依赖|不足|"
    r"不到位|匮乏|缺乏|困难|难以|无法|风险|门槛|虚假|假冒|成本高|延期"
)

# -- policies --------------------------------------------------------------------------------
POLICY_TITLE_WORDS = re.compile(
    r"规划|办法|意见|通知|方案|要点|条例|法$|法\(|法（|规定|决定|指导|计划|纲要"
    r"|措施|细则|指南|规则|标准|公告|意见稿|Law|Measures|Regulation|Plan|Opinions"
    r"|Notice|Guideline|Provisions|Rules|Outline|Programme|Program",
    re.I,
)

#: known issuing bodies: simplified name -> English name (for the slug and the en label).
KNOWN_ORGS: dict[str, str] = {
    "国务院办公厅": "General Office of the State Council",
    "中共中央办公厅": "General Office of the CPC Central Committee",
    "中共中央": "CPC Central Committee",
    "国务院": "State Council",
    "商务部": "Ministry of Commerce",
    "工业和信息化部": "Ministry of Industry and Information Technology",
    "工信部": "Ministry of Industry and Information Technology",
    "国家发展改革委": "National Development and Reform Commission",
    "国家发展和改革委员会": "National Development and Reform Commission",
    "国家发改委": "National Development and Reform Commission",
    "中央网信办": "Office of the Central Cyberspace Affairs Commission",
    "国家互联网信息办公室": "Cyberspace Administration of China",
    "国家网信办": "Cyberspace Administration of China",
    "教育部": "Ministry of Education",
    "文化和旅游部": "Ministry of Culture and Tourism",
    "农业农村部": "Ministry of Agriculture and Rural Affairs",
    "财政部": "Ministry of Finance",
    "科技部": "Ministry of Science and Technology",
    "科学技术部": "Ministry of Science and Technology",
    "人力资源和社会保障部": "Ministry of Human Resources and Social Security",
    "人力资源社会保障部": "Ministry of Human Resources and Social Security",
    "国家市场监督管理总局": "State Administration for Market Regulation",
    "市场监管总局": "State Administration for Market Regulation",
    "中国人民银行": "People's Bank of China",
    "国家税务总局": "State Taxation Administration",
    "海关总署": "General Administration of Customs",
    "交通运输部": "Ministry of Transport",
    "国家邮政局": "State Post Bureau",
    "国家统计局": "National Bureau of Statistics",
    "全国人大常委会": "Standing Committee of the National People's Congress",
    "全国人民代表大会常务委员会": "Standing Committee of the National People's Congress",
    "生态环境部": "Ministry of Ecology and Environment",
    "国家知识产权局": "China National Intellectual Property Administration",
    "国家数据局": "National Data Administration",
    "民政部": "Ministry of Civil Affairs",
    "公安部": "Ministry of Public Security",
    "司法部": "Ministry of Justice",
    "国家卫生健康委": "National Health Commission",
    "国家广播电视总局": "National Radio and Television Administration",
}
#: a generic Chinese issuing body ends with one of these (the longest suffix wins).
ORG_SUFFIX = ("办公厅", "办公室", "委员会", "网信办", "总局", "总署", "部", "委", "局", "署", "厅", "院")
EN_ORG = re.compile(
    r"(?:the\s+)?((?:Ministry|Department|Office|Bureau|Administration|Commission|Council)"
    r"(?:\s+(?:of|for|and|the|on|[A-Z][\w-]*)){1,8}|(?:[A-Z][\w-]*\s+){1,5}"
    r"(?:Commission|Administration|Council|Bureau|Ministry|Office|Committee))"
)

# -- theories --------------------------------------------------------------------------------
THEORY_STOP_TOKENS = frozenset(
    "的 了 在 将 以 和 与 及 、 基于 运用 利用 借助 采用 结合 依据 根据 从 对 为 是 其 该 此 这 本文 相关 "
    "有关 现有 已有 传统 经典 三大 两大 多种 各种 上述 以下 等 并 而 则 且 或 通过 提供 丰富 了 中 "
    "对于 关于 作为 形成 构建 理论 新 探讨 研究 一 二 三 四 五".split()
)
THEORY_AFTER_EXCLUDE = re.compile(
    r"^(?:支撑|层面|基础|依据|框架|价值|意义|贡献|视角|上|界|研究|分析|模型|与实践|和实践)"
)
EN_THEORY = re.compile(
    r"\b((?:[A-Za-z][\w'’-]* +){1,4})theory\b|\btheory of ((?:[\w'’-]+ +){0,3}[\w'’-]+)", re.I
)
EN_THEORY_STOP = frozenset(
    "the a an this that these our its their based on of in and or with by to from as is are was "
    "were using use uses draws draw on upon under through we paper study grounded existing "
    "classical mainstream three two main".split()
)

# -- generic words ignored by lexical overlap --------------------------------------------------
OVERLAP_STOP = frozenset(
    "企业 平台 电商 电子商务 创新 发展 问题 障碍 策略 对策 建议 提升 推动 促进 加强 实现 通过 进行 "
    "存在 面临 需要 可以 以及 导致 影响 机制 理论 维度 体系 建设 相关 我国 市场 "
    "enterprise enterprises platform platforms e-commerce innovation development the and of to "
    "in for a an on with by is are be".split()
)

#: English names of theories the genre often names (simplified Chinese -> English), for the en label.
THEORY_EN: dict[str, str] = {
    "资源依赖理论": "resource dependence theory",
    "资源基础理论": "resource-based theory",
    "资源基础观": "resource-based view",
    "动态能力理论": "dynamic capabilities theory",
    "开放式创新理论": "open innovation theory",
    "制度理论": "institutional theory",
    "交易成本理论": "transaction cost theory",
    "双边市场理论": "two-sided market theory",
    "利益相关者理论": "stakeholder theory",
    "数字赋能理论": "digital empowerment theory",
    "组织理论": "organization theory",
    "创新管理理论": "innovation management theory",
    "文化维度理论": "cultural dimensions theory",
    "组织创新理论": "organizational innovation theory",
    "技术接受模型": "technology acceptance model",
    "创新扩散理论": "diffusion of innovations theory",
    "平台生态系统理论": "platform ecosystem theory",
    "价值共创理论": "value co-creation theory",
    "网络效应理论": "network effects theory",
    "社会网络理论": "social network theory",
    "知识基础理论": "knowledge-based theory",
    "吸收能力理论": "absorptive capacity theory",
    "委托代理理论": "principal-agent theory",
    "信息不对称理论": "information asymmetry theory",
    "长尾理论": "long tail theory",
    "熊彼特创新理论": "Schumpeterian innovation theory",
    "产业组织理论": "industrial organization theory",
}
