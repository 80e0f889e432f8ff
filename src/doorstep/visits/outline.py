"""What the agent carries to the door: the interview outline, the words never to use, the
contingency plans (the repayment options come from the plans app). Pure data (no Django); the
text is carried in both zh-hans and English, the seed's own wording where it gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh-hans", "en"]


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh-hans" else self.en


@dataclass(frozen=True)
class Step:
    code: str
    title: Text
    wording: Text  # suggested wording, positive phrasing


OUTLINE: tuple[Step, ...] = (
    Step(
        "introduce",
        Text("介绍自己和银行，出示工作证", "Introduce yourself and the bank; show your staff ID"),
        Text(
            "您好，我是XX银行的客户服务代表，这是我的工作证。",
            "Hello, I am a customer service representative of XX Bank; this is my staff ID.",
        ),
    ),
    Step(
        "purpose",
        Text(
            "说明来意与个人信息告知（PIPL）",
            "State the purpose and the personal-data notice (PIPL)",
        ),
        Text(
            "今天特地前来了解您的具体情况，期望能帮您找到一个合理的还款方案。"
            "本次沟通涉及您的账户信息，仅用于协商还款，我们会依法保护。",
            "We have come to understand your situation and to help you find a workable repayment "
            "plan. This conversation uses your account information only to agree repayment, "
            "and we protect it as the law requires.",
        ),
    ),
    Step(
        "listen",
        Text("倾听原因，不急于反驳", "Listen to the reasons; do not rush to contradict"),
        Text(
            "请您说说最近的情况，我们认真听。",
            "Please tell us about your situation; we are listening.",
        ),
    ),
    Step(
        "empathise",
        Text("表示理解", "Respond with empathy"),
        Text(
            "我完全明白您的处境，确实很不容易。",
            "I fully understand your situation; it really is not easy.",
        ),
    ),
    Step(
        "propose",
        Text("提出还款方案（在授权范围内）", "Propose options within your authority"),
        Text(
            "我们相信您有能力克服眼前的困难，让我们一起制定一个切实可行的还款计划吧。",
            "We believe you can get through this; let us make a repayment plan that works.",
        ),
    ),
    Step(
        "agree",
        Text("确认下一步：金额、日期、渠道", "Agree next steps: amount, date, bank channel"),
        Text(
            "我们确认一下：您在约定日期前通过银行官方渠道还款，我们会按时跟进。",
            "To confirm: you will pay through the bank's official channel by the agreed date, "
            "and we will follow up on time.",
        ),
    ),
    Step(
        "thank",
        Text("致谢，无论结果如何", "Thank them, whatever the result"),
        Text(
            "感谢您抽出时间配合我们的工作，我们会持续关注。",
            "Thank you for your time; we will keep in touch.",
        ),
    ),
)

NEVER_SAY: tuple[Text, ...] = (
    Text("你必须马上还钱", "You must pay right now"),
    Text("不还钱就去你单位 / 告诉你家人", "We will go to your employer / tell your family"),
    Text("我们会让你坐牢", "We will put you in prison"),
    Text("老赖", "Deadbeat"),
    Text("把钱交给我（现金）", "Give me the money (cash)"),
)

CONTINGENCIES: tuple[tuple[str, Text], ...] = (
    (
        "door_refused",
        Text(
            "拒绝开门：不得强行进入（CN-TEAM-01），留下联系卡，改用电话或自助还款链接。",
            "Door refused: never enter without consent (CN-TEAM-01); leave a contact card and "
            "fall back to a call or the self-service link.",
        ),
    ),
    (
        "absent",
        Text(
            "债务人不在：不向他人说明来意，记录“不在家”，另约时间。",
            "Debtor absent: do not tell anyone why you came; record 'not home' and rebook.",
        ),
    ),
    (
        "third_party",
        Text(
            "第三人在场：不提及债务（CN-TGT-01），只请其转告债务人联系银行。",
            "Third party present: say nothing about the debt (CN-TGT-01); only ask them to have "
            "the debtor contact the bank.",
        ),
    ),
    (
        "conflict",
        Text(
            "冲突升级：立即离开，按安全按钮报警并通知主管。",
            "Conflict escalates: leave at once; press the safety button to call the police and "
            "alert your supervisor.",
        ),
    ),
    (
        "fallback",
        Text(
            "无法面谈：改用电话或发送自助还款链接。",
            "No conversation possible: fall back to a phone call or the self-service link.",
        ),
    ),
)

EMERGENCY_NUMBER = "110"  # mainland China police
