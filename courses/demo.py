"""Demo curriculum for ``manage.py seed_demo``: the programme's five tracks and six published
courses in Chinese, so a newcomer sees a living catalogue. Idempotent: existing courses are
left as they are."""

from __future__ import annotations

from typing import Any, TextIO

from django.db import transaction

from . import services
from .models import Course, Track
from .portability import FORMAT_VERSION, course_import

TRACKS = [
    # slug, name, description
    ("ecommerce", "电商运营", "网店开设、商品上架、直播带货与客户服务，把家乡的好产品卖出去。"),
    ("data-labelling", "AI数据标注", "图像、文本与语音标注，进入人工智能产业链的第一份工作。"),
    ("digital-management", "数字化管理", "用数字工具管理合作社、村务和小微企业。"),
    ("cloud-it", "云计算与IT基础", "电脑与网络基础、云服务器运维，面向IT服务岗位。"),
    ("women-entrepreneurship", "女性数字创业", "为农村女性设计的创业课程：手机开店、社群营销与品牌。"),
]


def _lesson(title: str, minutes: int, body: str, kind: str = "reading", required: bool = True) -> dict:
    return {
        "title": title,
        "kind": kind,
        "body": body.strip(),
        "video_url": "",
        "duration_minutes": minutes,
        "is_required": required,
    }


def _question(text: str, choices: list[str], correct: set[int], explanation: str) -> dict:
    return {
        "text": text,
        "kind": "multiple" if len(correct) > 1 else "single",
        "explanation": explanation,
        "choices": [{"text": choice, "is_correct": index in correct} for index, choice in enumerate(choices)],
    }


def _quiz(title: str, questions: list[dict], pass_mark: int = 60, max_attempts: int | None = 3) -> dict:
    return {
        "title": title,
        "pass_mark": pass_mark,
        "max_attempts": max_attempts,
        "shuffle": True,
        "questions": questions,
    }


def _course(slug: str, track: str, title: str, summary: str, **fields: Any) -> dict:
    name = next(name for track_slug, name, _description in TRACKS if track_slug == track)
    return {
        "format_version": FORMAT_VERSION,
        "course": {
            "slug": slug,
            "title": title,
            "track": {"slug": track, "name": name},
            "summary": summary,
            "language": "zh-hans",
            **fields,
        },
    }


COURSES = [
    _course(
        "rural-ecommerce-operations",
        "ecommerce",
        "农村电商运营",
        "从零开一家网店：选品、拍图、上架、定价、发货和售后，把本地农产品卖到全国。",
        description="本课程面向有意从事农村电商的学员。学完后你能独立在主流电商平台开店，完成一款本地农产品从上架到发货的全过程。",
        level="beginner",
        estimated_hours=24,
        delivery_modes=["online", "blended"],
        prerequisites="会使用智能手机拍照和上网\n会拼音或手写输入",
        modules=[
            {
                "title": "认识农村电商",
                "summary": "电商平台、物流和县域电商服务站。",
                "lessons": [
                    _lesson(
                        "什么是农村电商",
                        15,
                        """
## 农产品上行
农村电商的核心是**把农产品卖出去**（“上行”），同时把工业品买进来（“下行”）。

- 县级电商公共服务中心：培训、摄影、包装设计
- 乡镇服务站：收货、发货、代购
- 快递进村：三级物流体系
""",
                    ),
                    _lesson(
                        "主流平台怎么选",
                        20,
                        """
| 平台类型 | 适合 | 注意 |
|---|---|---|
| 综合电商 | 标准化商品 | 竞争激烈 |
| 社交电商 | 熟人推荐 | 重视复购 |
| 短视频电商 | 有故事的产品 | 需要持续拍摄 |

先选**一个**平台做好，再考虑多平台。
""",
                    ),
                ],
                "quiz": _quiz(
                    "单元小测：认识农村电商",
                    [
                        _question(
                            "“农产品上行”指的是什么？",
                            ["把城市商品卖到农村", "把农产品卖到城市和全国", "农产品涨价"],
                            {1},
                            "上行是农产品从农村走向更大的市场。",
                        )
                    ],
                ),
            },
            {
                "title": "开店与商品上架",
                "summary": "店铺注册、商品标题、主图和详情页。",
                "lessons": [
                    _lesson(
                        "用手机拍出好主图",
                        25,
                        """
1. 自然光，靠窗拍摄，避免闪光灯
2. 背景干净：白纸或木板
3. 主图第一张展示产品全貌，第二张展示细节（切面、产地）

> 小技巧：把手机镜头擦干净，效果立刻不同。
""",
                        kind="practice",
                    ),
                    _lesson(
                        "写一个会被搜到的标题",
                        20,
                        """
标题 = 产地 + 品种 + 卖点 + 规格，例如：

**桐庐 高山 红心猕猴桃 现摘现发 5斤装**

不要堆砌无关热词，平台会降低排名。
""",
                    ),
                    _lesson(
                        "定价与运费模板",
                        20,
                        "成本 + 包装 + 快递 + 平台佣金 + 合理利润 = 售价。偏远地区单独设置运费模板。",
                    ),
                ],
                "quiz": None,
            },
            {
                "title": "发货与售后",
                "summary": "包装、物流和评价管理。",
                "lessons": [
                    _lesson(
                        "生鲜包装与发货", 20, "泡沫箱 + 冰袋 + 防震网套；**48小时内**发货，及时上传单号。"
                    ),
                    _lesson(
                        "处理差评与退款",
                        15,
                        "先道歉、再了解原因、给出方案。截图留证，按平台规则处理。",
                        required=False,
                    ),
                ],
                "quiz": None,
            },
        ],
        final_quiz=_quiz(
            "结业测验：农村电商运营",
            [
                _question(
                    "商品标题最好包含哪些信息？（多选）",
                    ["产地", "品种与卖点", "与产品无关的热门词", "规格"],
                    {0, 1, 3},
                    "与产品无关的热词会被平台判为违规，反而降低排名。",
                ),
                _question(
                    "拍摄主图时最推荐的光线是？",
                    ["闪光灯", "靠窗的自然光", "夜间路灯"],
                    {1},
                    "自然光颜色真实，不刺眼。",
                ),
                _question(
                    "生鲜商品一般应在多长时间内发货？",
                    ["48小时内", "一周内", "一个月内"],
                    {0},
                    "生鲜不耐放，尽快发货能减少损耗和差评。",
                ),
            ],
        ),
    ),
    _course(
        "livestream-selling",
        "ecommerce",
        "短视频与直播带货实战",
        "用一部手机拍短视频、做直播，讲好家乡产品的故事。",
        description="学习短视频脚本、拍摄剪辑、直播间搭建和直播话术，并在线下课堂完成一次真实直播。",
        level="intermediate",
        estimated_hours=30,
        delivery_modes=["offline", "blended"],
        prerequisites="已完成《农村电商运营》或有网店经验",
        modules=[
            {
                "title": "短视频创作",
                "summary": "",
                "lessons": [
                    _lesson(
                        "15秒短视频脚本",
                        20,
                        "开头3秒抓住注意力 → 展示产品 → 给出行动号召（“点击下方链接”）。",
                    ),
                    _lesson(
                        "手机剪辑入门", 30, "剪掉空镜头，加字幕，配音量适中的背景音乐。", kind="practice"
                    ),
                ],
                "quiz": None,
            },
            {
                "title": "直播带货",
                "summary": "",
                "lessons": [
                    _lesson("搭建简易直播间", 25, "补光灯、手机支架、稳定网络（建议有线宽带+Wi-Fi）。"),
                    _lesson(
                        "直播话术与合规", 25, "如实介绍产品，**不得虚假宣传**，不得使用“最”“第一”等极限词。"
                    ),
                ],
                "quiz": None,
            },
        ],
        final_quiz=_quiz(
            "结业测验：直播带货",
            [
                _question(
                    "短视频开头几秒最关键？",
                    ["前3秒", "第30秒", "最后一秒"],
                    {0},
                    "观众在前3秒决定是否继续看。",
                ),
                _question(
                    "以下哪些属于直播违规行为？（多选）",
                    ["使用“全网第一”等极限词", "夸大产品功效", "如实介绍产地"],
                    {0, 1},
                    "广告法禁止极限词和虚假宣传。",
                ),
            ],
        ),
    ),
    _course(
        "ai-data-labelling-basics",
        "data-labelling",
        "AI数据标注基础",
        "学习图像框选、文本分类和语音转写标注，达到数据标注员上岗要求。",
        description="数据标注是人工智能训练数据的基础工作。本课程结合真实标注平台练习，结业后可参加合作企业的上岗测试。",
        level="beginner",
        estimated_hours=20,
        delivery_modes=["online", "offline"],
        prerequisites="能熟练使用电脑鼠标和键盘\n每分钟能输入30个以上汉字",
        modules=[
            {
                "title": "认识数据标注",
                "summary": "",
                "lessons": [
                    _lesson(
                        "人工智能为什么需要标注数据",
                        15,
                        "模型通过大量**带标签的样本**学习：标注质量决定模型质量。",
                    ),
                    _lesson("标注规范与质量检查", 20, "严格按照项目规范操作；准确率通常要求在95%以上。"),
                ],
                "quiz": None,
            },
            {
                "title": "图像与文本标注",
                "summary": "",
                "lessons": [
                    _lesson(
                        "拉框标注：车辆与行人",
                        30,
                        "边框紧贴目标边缘，被遮挡的部分按规范估计。",
                        kind="practice",
                    ),
                    _lesson(
                        "文本情感分类",
                        25,
                        "把评论标为正面、负面或中性；拿不准时查看规范中的示例。",
                        kind="practice",
                    ),
                    _lesson(
                        "语音转写入门", 25, "逐字转写，保留口语词，听不清的地方按规范标记。", kind="video"
                    ),
                ],
                "quiz": _quiz(
                    "单元小测：图像与文本标注",
                    [
                        _question(
                            "拉框标注时，边框应该怎样？",
                            ["尽量大一些", "紧贴目标边缘", "随意画"],
                            {1},
                            "边框过大会让模型学到背景信息。",
                        )
                    ],
                ),
            },
        ],
        final_quiz=_quiz(
            "结业测验：AI数据标注",
            [
                _question(
                    "标注项目通常要求的准确率是？",
                    ["50%左右", "80%左右", "95%以上"],
                    {2},
                    "低质量数据会直接影响模型效果，项目方会抽检。",
                ),
                _question(
                    "“这个快递太慢了”应标为哪种情感？",
                    ["正面", "负面", "中性"],
                    {1},
                    "表达了不满，属于负面情感。",
                ),
            ],
            pass_mark=80,
        ),
    ),
    _course(
        "digital-village-management",
        "digital-management",
        "数字乡村管理实务",
        "用在线表格、协同办公和小程序管理合作社与村务，告别纸质台账。",
        description="面向村干部、合作社和家庭农场管理人员，学习数字化台账、在线协作和信息公开。",
        level="beginner",
        estimated_hours=16,
        delivery_modes=["online", "blended"],
        prerequisites="会使用智能手机",
        modules=[
            {
                "title": "数字台账",
                "summary": "",
                "lessons": [
                    _lesson(
                        "在线表格做台账",
                        25,
                        "用在线表格记录社员、地块、投入品和销售，多人同时编辑。",
                        kind="practice",
                    ),
                    _lesson("数据安全与隐私", 20, "身份证号、手机号等个人信息**只给必要的人看**，定期备份。"),
                ],
                "quiz": None,
            },
            {
                "title": "协同与公开",
                "summary": "",
                "lessons": [
                    _lesson("群公告与在线通知", 15, "重要通知用群公告并要求确认，避免信息被刷屏淹没。"),
                    _lesson("村务公开的数字化", 20, "财务收支按月公开，图片清晰、数字可核对。"),
                ],
                "quiz": None,
            },
        ],
        final_quiz=_quiz(
            "结业测验：数字乡村管理",
            [
                _question(
                    "社员身份证号应该如何管理？",
                    ["发到大群方便查找", "只给必要的人查看并定期备份", "打印贴在公告栏"],
                    {1},
                    "个人信息受法律保护，应最小范围使用。",
                ),
                _question(
                    "在线表格相比纸质台账的优点有？（多选）",
                    ["多人同时编辑", "方便统计汇总", "永远不需要备份"],
                    {0, 1},
                    "在线数据同样需要备份。",
                ),
            ],
        ),
    ),
    _course(
        "cloud-it-basics",
        "cloud-it",
        "云计算与IT运维基础",
        "从电脑和网络基础到云服务器的开通、登录与日常维护，面向IT服务岗位。",
        description="课程包含大量动手实验，学员将在实验环境中开通一台云服务器并部署一个简单网站。",
        level="beginner",
        estimated_hours=32,
        delivery_modes=["online", "offline", "blended"],
        prerequisites="能熟练使用电脑\n认识常用英文单词（如 file、open、save）",
        modules=[
            {
                "title": "电脑与网络基础",
                "summary": "",
                "lessons": [
                    _lesson(
                        "IP地址与域名",
                        20,
                        "域名通过 DNS 解析为 IP 地址，例如 `www.example.cn → 203.0.113.10`。",
                    ),
                    _lesson(
                        "常用网络排查命令",
                        25,
                        "```\nping www.example.cn\ntracert www.example.cn\n```",
                        kind="practice",
                    ),
                ],
                "quiz": None,
            },
            {
                "title": "云服务器入门",
                "summary": "",
                "lessons": [
                    _lesson(
                        "开通第一台云服务器",
                        30,
                        "选择地域、配置和镜像；设置安全组只开放必要端口。",
                        kind="practice",
                    ),
                    _lesson(
                        "用 SSH 登录 Linux",
                        30,
                        "`ssh root@服务器IP`；首次登录后立即修改密码，建议使用密钥登录。",
                        kind="video",
                    ),
                    _lesson(
                        "日常维护与备份", 20, "定期更新系统、查看磁盘空间、设置自动快照。", required=False
                    ),
                ],
                "quiz": _quiz(
                    "单元小测：云服务器",
                    [
                        _question(
                            "安全组应该如何配置？",
                            ["开放所有端口", "只开放必要端口", "关闭所有端口"],
                            {1},
                            "最小开放原则可以减少被攻击的风险。",
                        )
                    ],
                ),
            },
        ],
        final_quiz=_quiz(
            "结业测验：云计算与IT运维",
            [
                _question(
                    "把域名转换为IP地址的系统叫什么？",
                    ["DNS", "USB", "PDF"],
                    {0},
                    "DNS 即域名系统。",
                ),
                _question(
                    "登录云服务器后应该立即做什么？（多选）",
                    ["修改默认密码", "配置密钥登录", "把密码发到群里"],
                    {0, 1},
                    "密码泄露是服务器被入侵的常见原因。",
                ),
            ],
        ),
    ),
    _course(
        "women-digital-entrepreneurship",
        "women-entrepreneurship",
        "女性数字创业：手机开店与社群营销",
        "为农村女性设计：在家用手机开店，经营微信社群，打造自己的手工或农产品品牌。",
        description="课程时间灵活，适合照顾家庭的同时学习。线下课堂提供儿童看护，学员可以结伴参加。",
        level="beginner",
        estimated_hours=18,
        delivery_modes=["offline", "blended"],
        prerequisites="会使用微信",
        modules=[
            {
                "title": "找到你的产品",
                "summary": "",
                "lessons": [
                    _lesson(
                        "从身边的手艺和特产出发", 20, "刺绣、竹编、土蜂蜜、腌菜……**你会做的就是你的优势**。"
                    ),
                    _lesson("小成本试卖", 20, "先在亲友和社群中试卖20份，收集反馈再扩大。", kind="practice"),
                ],
                "quiz": None,
            },
            {
                "title": "社群营销与品牌",
                "summary": "",
                "lessons": [
                    _lesson("经营微信社群", 25, "固定时间发布内容，真诚回复，不刷屏，不夸大。"),
                    _lesson("给产品起个好名字", 15, "名字好记、有故事，例如“外婆的腌菜坛”。"),
                    _lesson("记账与定价", 20, "每一笔收入支出都记下来，定价要算上自己的劳动时间。"),
                ],
                "quiz": None,
            },
        ],
        final_quiz=_quiz(
            "结业测验：女性数字创业",
            [
                _question(
                    "新产品上市前，推荐先怎样做？",
                    ["直接大批量生产", "小成本试卖并收集反馈", "先借钱做广告"],
                    {1},
                    "试卖能用最小成本验证需求。",
                ),
                _question(
                    "经营社群时应避免哪些做法？（多选）",
                    ["频繁刷屏", "夸大宣传", "真诚回复顾客"],
                    {0, 1},
                    "刷屏和夸大会让成员退群。",
                ),
            ],
        ),
    ),
]


@transaction.atomic
def seed_demo_courses(*, stdout: TextIO | None = None) -> None:
    """Create the tracks and publish the demo courses that do not exist yet."""
    for order, (slug, name, description) in enumerate(TRACKS, start=1):
        Track.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )
    created = []
    for document in COURSES:
        if Course.objects.filter(slug=document["course"]["slug"]).exists():
            continue
        course = course_import(document=document)
        services.course_submit_for_review(course=course, by=None)
        services.course_publish(course=course, by=None, comment="Demo course")
        created.append(course.title)
    if stdout is not None:
        stdout.write(f"Tracks: {', '.join(name for _slug, name, _description in TRACKS)}")
        stdout.write(f"Courses published: {len(created)} new, {len(COURSES) - len(created)} already there")
